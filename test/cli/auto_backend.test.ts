/**
 * `--backend auto` measures every backend that loads and takes the fastest; the ranking is remembered
 * under a fingerprint of the install and measured again when that changes or the file is unreadable.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_PATH } from '../../native/addon.js';
import { installFingerprint, measureActiveBackend, rankTimings, rankingCachePath, readCachedTimings, writeCachedTimings } from '../../src/backend_speed.js';
import { AUTO_CANDIDATES, probeBackend, useBackend } from '../../src/backends.js';

let cacheHome: string;
const savedCacheHome = process.env.XDG_CACHE_HOME;

beforeAll(() => {
  cacheHome = mkdtempSync(join(tmpdir(), 'handgrad-auto-'));
  process.env.XDG_CACHE_HOME = cacheHome;
});

afterAll(async () => {
  if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCacheHome;
  rmSync(cacheHome, { recursive: true, force: true });
  await tf.setBackend('cpu');
});

describe('ranking', () => {
  it('orders by time per step, fastest first, ties in the given order', () => {
    expect(rankTimings([{ name: 'wasm', msPerStep: 4 }, { name: 'native', msPerStep: 0.9 }, { name: 'cpu', msPerStep: 4 }, { name: 'tensorflow', msPerStep: 2.5 }])).toEqual([
      'native',
      'tensorflow',
      'wasm',
      'cpu',
    ]);
  });

  it('measures a real step: positive, finite, and no tensor left behind', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const ms = measureActiveBackend();
    expect(ms).toBeGreaterThan(0);
    expect(Number.isFinite(ms)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the remembered ranking', () => {
  it('is read back only under the same fingerprint; a corrupt file reads as none', () => {
    const path = join(cacheHome, 'ranking-test.json');
    const timings = [{ name: 'native', msPerStep: 1.5 }];
    writeCachedTimings(path, 'install-a', timings);
    expect(readCachedTimings(path, 'install-a')).toEqual(timings);
    expect(readCachedTimings(path, 'install-b')).toBeUndefined();
    writeFileSync(path, '{"fingerprint": "install-a", "timings": [{"name": "native"}]}');
    expect(readCachedTimings(path, 'install-a')).toBeUndefined();
    writeFileSync(path, 'not json');
    expect(readCachedTimings(path, 'install-a')).toBeUndefined();
  });

  it('the fingerprint changes with the native addon', () => {
    expect(installFingerprint(ADDON_PATH)).not.toBe(installFingerprint(join(cacheHome, 'no-such-addon.node')));
  });
});

describe('useBackend("auto")', () => {
  it('takes the fastest of the backends that load, measured, and remembers every measurement', async () => {
    const loading: string[] = [];
    for (const name of AUTO_CANDIDATES) if ((await probeBackend(name)).available) loading.push(name);
    const chosen = await useBackend('auto');
    expect(tf.getBackend()).toBe(chosen);
    const cached = readCachedTimings(rankingCachePath(), installFingerprint(ADDON_PATH));
    expect(cached?.map((t) => t.name).sort()).toEqual([...loading].sort());
    expect(chosen).toBe(rankTimings(cached ?? [])[0]);
  });

  it('follows a remembered ranking without measuring again', async () => {
    const path = rankingCachePath();
    const fingerprint = installFingerprint(ADDON_PATH);
    writeCachedTimings(path, fingerprint, [
      { name: 'cpu', msPerStep: 0.001 },
      { name: 'wasm', msPerStep: 1 },
    ]);
    expect(await useBackend('auto')).toBe('cpu');
    expect(readFileSync(path, 'utf8')).toContain('"msPerStep": 0.001');
  });
});
