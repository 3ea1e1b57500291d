/**
 * Seeded fuzzing of everything the trainer reads: an .npz, a folder of IDX files (plain and .gz) and
 * a checkpoint, each corrupted at random (flipped bytes, cuts, insertions, overwritten ranges). Each
 * corrupted input must either load (a flipped pixel is still a pixel) or fail with a DataError — the
 * CLI's one line and exit 2 — never another error, a hang or a crash; a sample of failing inputs goes
 * through the real CLI to check that stderr holds exactly that one line and no stack trace.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/common.js';
import { trainMain } from '../../src/cli/train.js';
import { DataError } from '../../src/data/errors.js';
import { encodeIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/load.js';
import { encodeNpy } from '../../src/data/npy.js';
import { encodeNpz } from '../../src/data/npz.js';
import { CHECKPOINT_FILES, loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { spawnTrain, tempDir, TINY } from './helpers.js';

type Rng = () => number;

/** One random corruption of `bytes`: flip 1–8 bytes, cut, insert 1–64 random bytes, or overwrite a range. */
function corrupt(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; what: string } {
  const at = (): number => Math.floor(rng() * bytes.length);
  const op = Math.floor(rng() * 4);
  if (op === 0) {
    const out = bytes.slice();
    const n = 1 + Math.floor(rng() * 8);
    for (let i = 0; i < n; i++) out[at()] ^= 1 + Math.floor(rng() * 255);
    return { bytes: out, what: `${n} bytes flipped` };
  }
  if (op === 1) {
    const cut = at();
    return { bytes: bytes.slice(0, cut), what: `cut at ${cut}` };
  }
  if (op === 2) {
    const pos = at();
    const junk = Uint8Array.from({ length: 1 + Math.floor(rng() * 64) }, () => Math.floor(rng() * 256));
    const out = new Uint8Array(bytes.length + junk.length);
    out.set(bytes.subarray(0, pos));
    out.set(junk, pos);
    out.set(bytes.subarray(pos), pos + junk.length);
    return { bytes: out, what: `${junk.length} bytes inserted at ${pos}` };
  }
  const out = bytes.slice();
  const start = at();
  const end = Math.min(out.length, start + 1 + Math.floor(rng() * 256));
  for (let i = start; i < end; i++) out[i] = Math.floor(rng() * 256);
  return { bytes: out, what: `bytes ${start}..${end} overwritten` };
}

/** 'ok' or the DataError's message; any other error fails the test with the case that caused it. */
function outcome(load: () => void, what: string): string {
  try {
    load();
    return 'ok';
  } catch (error) {
    if (!(error instanceof DataError)) throw new Error(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
    expect(error.message).not.toContain('\n');
    return error.message;
  }
}

let dir: string;
const N = 16020;
const CASES = 40;

beforeAll(() => {
  dir = tempDir('fuzz');
});

/** Failing cases kept for the CLI check: the args that reproduce them. */
const failing: { args: string[]; line: string }[] = [];

describe('fuzz (seeded): corrupted inputs fail with one DataError line, or load', () => {
  it(`npz (stored as np.savez writes it, and deflated): ${CASES} corruptions`, () => {
    const pixels = seedrandom('handgrad-fuzz-pixels');
    const members = {
      images: encodeNpy('|u1', [N, 2, 2], Array.from({ length: N * 4 }, () => Math.floor(pixels() * 256))),
      labels: encodeNpy('<i8', [N], Array.from({ length: N }, (_, i) => i % 10)),
    };
    const goods = [encodeNpz(members, false), encodeNpz(members, true)];
    const rng = seedrandom('handgrad-fuzz-npz');
    const results: string[] = [];
    for (let k = 0; k < CASES; k++) {
      const { bytes, what } = corrupt(goods[k % 2], rng);
      const path = join(dir, `npz-${k}.npz`);
      writeFileSync(path, bytes);
      const result = outcome(() => loadDataset(path), `npz case ${k} (${what})`);
      results.push(result);
      if (result !== 'ok' && failing.filter((f) => f.args[1].endsWith('.npz')).length < 1) failing.push({ args: ['--data', path], line: result });
    }
    // The CRC-32 check makes nearly every corruption an error; a few (a cut past the end …) may still load.
    expect(results.filter((r) => r !== 'ok').length).toBeGreaterThan(CASES * 0.8);
  });

  it(`IDX folder (plain and .gz): ${CASES} corruptions`, () => {
    const nTrain = 10030;
    const files = {
      'train-images-idx3-ubyte': encodeIdx('uint8', [nTrain, 2, 2], Array.from({ length: nTrain * 4 }, (_, i) => i % 256)),
      'train-labels-idx1-ubyte': encodeIdx('uint8', [nTrain], Array.from({ length: nTrain }, (_, i) => i % 10)),
      't10k-images-idx3-ubyte': encodeIdx('uint8', [20, 2, 2], Array.from({ length: 80 }, (_, i) => i % 256)),
      't10k-labels-idx1-ubyte': encodeIdx('uint8', [20], Array.from({ length: 20 }, (_, i) => i % 10)),
    };
    const names = Object.keys(files) as (keyof typeof files)[];
    const rng = seedrandom('handgrad-fuzz-idx');
    let errors = 0;
    for (let k = 0; k < CASES; k++) {
      const folder = join(dir, `idx-${k}`);
      mkdirSync(folder);
      const victim = names[Math.floor(rng() * names.length)];
      const gz = rng() < 0.3;
      let what = '';
      for (const name of names) {
        let bytes: Uint8Array = gz ? gzipSync(files[name]) : files[name];
        if (name === victim) ({ bytes, what } = corrupt(bytes, rng));
        writeFileSync(join(folder, gz ? `${name}.gz` : name), bytes);
      }
      const result = outcome(() => loadDataset(folder), `IDX case ${k} (${victim}${gz ? '.gz' : ''}: ${what})`);
      if (result !== 'ok') {
        errors++;
        if (failing.filter((f) => f.args[1].includes('idx-')).length < 1) failing.push({ args: ['--data', folder], line: result });
      }
    }
    expect(errors).toBeGreaterThan(CASES / 2);
  });

  it(`checkpoint: ${CASES} corruptions of its files, every one refused (sizes and SHA-256 in the manifest)`, async () => {
    const base = join(dir, 'run');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true);
    try {
      expect(await trainMain([...TINY, '--epochs', '1', '--out', base])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const config = readRunFile(base).config;
    const targets = [...CHECKPOINT_FILES.map((f) => `checkpoints/epoch-0001/${f}`), 'checkpoints/epoch-0001/manifest.json', 'checkpoints/latest.json'];
    const rng = seedrandom('handgrad-fuzz-checkpoint');
    for (let k = 0; k < CASES; k++) {
      const run = join(dir, `ckpt-${k}`);
      cpSync(base, run, { recursive: true });
      const target = targets[Math.floor(rng() * targets.length)];
      const { bytes, what } = corrupt(readFileSync(join(run, target)), rng);
      writeFileSync(join(run, target), bytes);
      const result = outcome(() => disposeTrainState(loadCheckpoint(run, config)), `checkpoint case ${k} (${target}: ${what})`);
      expect(result, `checkpoint case ${k} (${target}: ${what}) loaded`).not.toBe('ok');
      if (failing.filter((f) => f.args[0] === '--resume').length < 1) failing.push({ args: ['--resume', run, '--epochs', '3'], line: result });
    }
  });

  it('through the real CLI: exactly one stderr line, exit 2, no stack trace (one failing case of each kind)', async () => {
    expect(failing.length).toBe(3);
    for (const { args, line } of failing) {
      const r = await spawnTrain(args[0] === '--resume' ? args : [...args, '--out', join(dir, `cli-${Math.random().toString(36).slice(2)}`), '--epochs', '1']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`train: ${line}\n`);
      expect(r.stdout).toBe('');
      // in-process and spawned agree on the exit code for the same error
      expect(describeError(new DataError(line)).code).toBe(2);
    }
  });
});
