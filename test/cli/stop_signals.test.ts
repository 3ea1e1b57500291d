import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { listenForStop, SAME_PRESS_MS, SIGNAL_EXIT_CODES, type StopSignal } from '../../src/cli/stop_signals.js';

/** A fake process: signals are emitted by hand, at times set by hand. */
function harness() {
  const source = new EventEmitter();
  let now = 0;
  const events: string[] = [];
  const stop = listenForStop({
    onStop: (s) => events.push(`stop ${s}`),
    onForce: (s) => events.push(`force ${s}`),
    source: source,
    now: () => now,
  });
  const send = (signal: StopSignal, at: number): void => {
    now = at;
    source.emit(signal, signal);
  };
  return { source, stop, events, send };
}

describe('stop signals', () => {
  it('the first of SIGINT/SIGTERM/SIGHUP asks to stop; more within SAME_PRESS_MS are the same press (terminal + launcher relay)', () => {
    const { stop, events, send } = harness();
    expect(stop.requested()).toBeNull();
    send('SIGINT', 1000);
    send('SIGINT', 1003); // npm's or the bin's relayed copy
    send('SIGHUP', 1000 + SAME_PRESS_MS - 1);
    expect(events).toEqual(['stop SIGINT']);
    expect(stop.requested()).toEqual({ signal: 'SIGINT', at: 1000 });
  });

  it('a signal SAME_PRESS_MS or more after the first quits at once', () => {
    const { events, send } = harness();
    send('SIGTERM', 0);
    send('SIGINT', SAME_PRESS_MS);
    expect(events).toEqual(['stop SIGTERM', 'force SIGINT']);
  });

  it('dispose removes every listener; exit codes are 128 + the signal number', () => {
    const { source, stop } = harness();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => source.listenerCount(s))).toEqual([1, 1, 1]);
    stop.dispose();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => source.listenerCount(s))).toEqual([0, 0, 0]);
    expect(SIGNAL_EXIT_CODES).toEqual({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 });
  });

  it('after a stop, dispose swallows the same press until SAME_PRESS_MS after it (a relayed copy must not kill the exiting process), then removes that too', () => {
    vi.useFakeTimers();
    try {
      const { source, stop, events, send } = harness();
      send('SIGINT', 1000);
      const count = (): number[] => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => source.listenerCount(s));
      stop.dispose(); // now is still 1000: SAME_PRESS_MS of the press are left
      expect(count()).toEqual([1, 1, 1]);
      send('SIGINT', 1100); // neither a second stop nor a force
      expect(events).toEqual(['stop SIGINT']);
      vi.advanceTimersByTime(SAME_PRESS_MS);
      expect(count()).toEqual([0, 0, 0]);
    } finally {
      vi.useRealTimers();
    }
  });
});
