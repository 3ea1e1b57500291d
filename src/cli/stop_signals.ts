/**
 * Ctrl-C, SIGTERM and SIGHUP for a long-running command: the first asks it to stop cleanly (the
 * trainer finishes its batch, saves the last completed epoch and exits 128 + the signal number);
 * another one more than SAME_PRESS_MS later quits at once.
 *
 * One Ctrl-C often arrives twice: the terminal sends SIGINT to the whole foreground process group,
 * and a launcher in that group (npm's run-script, a wrapper that spawns node) forwards its own copy
 * to its child. Signals within SAME_PRESS_MS of the first are therefore the same request.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal number, as a shell reports a process that a signal stopped. */
export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Signals closer together than this are one request (a Ctrl-C delivered by the terminal and relayed by a launcher). */
export const SAME_PRESS_MS = 1000;

export type StopRequest = { signal: StopSignal; at: number };

type SignalSource = {
  on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  off(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
};

export type StopSignalsOptions = {
  /** The first signal: stop at the next safe point. */
  onStop: (signal: StopSignal) => void;
  /** A later signal, SAME_PRESS_MS or more after the first: quit now. */
  onForce: (signal: StopSignal) => void;
  source?: SignalSource;
  now?: () => number;
};

export type StopSignals = {
  /** The first signal received, or null. */
  requested: () => StopRequest | null;
  /** Removes the listeners. */
  dispose: () => void;
};

/** Listens for SIGINT, SIGTERM and SIGHUP (on `process` unless `source` is given). */
export function listenForStop(options: StopSignalsOptions): StopSignals {
  const source: SignalSource = options.source ?? process;
  const now = options.now ?? (() => performance.now());
  let first: StopRequest | null = null;
  const listener = (signal: StopSignal): void => {
    const at = now();
    if (first === null) {
      first = { signal, at };
      options.onStop(signal);
    } else if (at - first.at >= SAME_PRESS_MS) {
      options.onForce(signal);
    }
  };
  for (const signal of STOP_SIGNALS) source.on(signal, listener);
  return {
    requested: () => first,
    dispose: () => {
      for (const signal of STOP_SIGNALS) source.off(signal, listener);
      // A launcher's relayed copy of the stopping signal may arrive after the command has finished but
      // before the process exits; it is the same press, and the default action would kill the process.
      const stopped: StopRequest | null = first;
      const left = stopped === null ? 0 : SAME_PRESS_MS - (now() - stopped.at);
      if (left <= 0) return;
      const samePress = (): void => {};
      for (const signal of STOP_SIGNALS) source.on(signal, samePress);
      const timer = setTimeout(() => {
        for (const signal of STOP_SIGNALS) source.off(signal, samePress);
      }, left);
      timer.unref();
    },
  };
}
