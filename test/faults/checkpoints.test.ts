/**
 * --resume of damaged or hand-edited runs: every file of the checkpoint is checked against its
 * manifest (sizes and SHA-256) and config.json against the flags' rules before anything is trained
 * or written; any problem is one line naming the file, exit 2, and the run folder stays as it was.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../../src/cli/common.js';
import { metricRows, tempDir, TINY, trainInProcess } from './helpers.js';

let root: string;
let base: string;

const run = trainInProcess;

/** Every file of a run folder with its bytes, to check that a refused --resume changed nothing. */
function snapshotFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = `${statSync(path).mtimeMs}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  }
  return out;
}

beforeAll(async () => {
  root = tempDir('ckpt-faults');
  base = join(root, 'base');
  expect((await run([...TINY, '--optimizer', 'adam', '--epochs', '2', '--out', base])).code).toBe(0);
});

const CK = 'checkpoints/epoch-0002';
const edit = (path: string, change: (json: Record<string, unknown>) => void): void => {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, JSON.stringify(json));
};

describe('--resume of a damaged run: one line naming the file, exit 2, the folder untouched', () => {
  // JSON.parse's own wording differs between Node versions: those two lines are matched up to it.
  const json = (path: string): RegExp => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON \\(.+\\)$`);
  const cases: [string, (dir: string) => void, (dir: string) => string | RegExp][] = [
    ['truncated weights.bin', (d) => truncateSync(join(d, CK, 'weights.bin'), 12500), (d) => `${join(d, CK, 'weights.bin')}: 12500 bytes, the checkpoint's manifest says 101800 (truncated after it was written)`],
    ['empty weights.bin', (d) => writeFileSync(join(d, CK, 'weights.bin'), ''), (d) => `${join(d, CK, 'weights.bin')}: 0 bytes, the checkpoint's manifest says 101800 (truncated after it was written)`],
    ['5 KB of junk appended to weights.bin', (d) => appendFileSync(join(d, CK, 'weights.bin'), Buffer.alloc(5000, 7)), (d) => `${join(d, CK, 'weights.bin')}: 106800 bytes, the checkpoint's manifest says 101800 (bytes added after it was written)`],
    [
      'one byte of weights.bin changed (same size)',
      (d) => {
        const p = join(d, CK, 'weights.bin');
        const bytes = readFileSync(p);
        bytes[1234] ^= 0x40;
        writeFileSync(p, bytes);
      },
      (d) => `${join(d, CK, 'weights.bin')}: checksum does not match the checkpoint's manifest (the file changed after it was written)`,
    ],
    ['optimizer.bin missing', (d) => rmSync(join(d, CK, 'optimizer.bin')), (d) => `${join(d, CK, 'optimizer.bin')}: cannot read checkpoint file (missing)`],
    ['state.json edited', (d) => edit(join(d, CK, 'state.json'), (j) => (j.epoch = 7)), (d) => `${join(d, CK, 'state.json')}: checksum does not match the checkpoint's manifest (the file changed after it was written)`],
    ['manifest.json edited', (d) => edit(join(d, CK, 'manifest.json'), (j) => (j.epoch = 3)), (d) => `${join(d, CK, 'manifest.json')}: checksum does not match latest.json (the file changed after it was written)`],
    ['garbage latest.json', (d) => writeFileSync(join(d, 'checkpoints/latest.json'), '\u0000\u0013garbage{'), (d) => json(join(d, 'checkpoints/latest.json'))],
    ['latest.json pointing outside the run', (d) => writeFileSync(join(d, 'checkpoints/latest.json'), '{"dir": "../../etc", "epoch": 2, "manifestSha256": "x"}'), (d) => `${join(d, 'checkpoints/latest.json')}: not a checkpoint pointer (expected {"dir": "epoch-NNNN", "epoch": N, "manifestSha256": …})`],
    ['the checkpoint folder removed', (d) => rmSync(join(d, CK), { recursive: true }), (d) => `${join(d, CK)}: missing (latest.json points to it)`],
    ['config.json: optimizer.kind "rmsprop"', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { optimizer: { kind: string } }).optimizer.kind = 'rmsprop')), (d) => `${join(d, 'config.json')}: config.optimizer.kind "rmsprop" is not one of momentum, sgd, adam`],
    ['config.json: lr -5', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { optimizer: { lr: number } }).optimizer.lr = -5)), (d) => `${join(d, 'config.json')}: config.optimizer.lr -5 must be > 0`],
    ['config.json: momentum 1.5', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { optimizer: { momentum: number } }).optimizer.momentum = 1.5)), (d) => `${join(d, 'config.json')}: config.optimizer.momentum 1.5 must be < 1`],
    ['config.json: batchSize "64"', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { batchSize: unknown }).batchSize = '64')), (d) => `${join(d, 'config.json')}: config.batchSize "64" is not a number`],
    ['config.json: layers [784, 0, 10]', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { layers: number[] }).layers = [784, 0, 10])), (d) => `${join(d, 'config.json')}: config.layers[1] 0 must be an integer ≥ 1`],
    ['config.json: layers changed (784,16,10)', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { layers: number[] }).layers = [784, 16, 10])), (d) => `${join(d, CK, 'model.json')}: checkpoint weights for --layers 784,16,10 do not match the run (dense_1/kernel [784,16], dense_1/bias [16], dense_2/kernel [16,10], dense_2/bias [10])`],
    ['config.json: optimizer adam → momentum', (d) => edit(join(d, 'config.json'), (j) => ((j.config as { optimizer: { kind: string } }).optimizer.kind = 'momentum')), (d) => `${join(d, CK, 'state.json')}: optimizer specs for --optimizer momentum do not match the run (velocity/0 [784,32], velocity/1 [32], velocity/2 [32,10], velocity/3 [10])`],
    ['config.json: data.trainSize -1', (d) => edit(join(d, 'config.json'), (j) => ((j.data as { trainSize: number }).trainSize = -1)), (d) => `${join(d, 'config.json')}: data.trainSize -1 must be an integer ≥ 1`],
    ['config.json: not JSON', (d) => writeFileSync(join(d, 'config.json'), '{"kind": "handgrad-train-run",'), (d) => json(join(d, 'config.json'))],
  ];

  it.each(cases)('%s', async (_name, damage, expected) => {
    const dir = join(root, `case-${Math.random().toString(36).slice(2)}`);
    cpSync(base, dir, { recursive: true });
    damage(dir);
    const before = snapshotFolder(dir);
    const r = await run(['--resume', dir, '--epochs', '4']);
    expect(r.code).toBe(EXIT_USAGE);
    const line = expected(dir);
    if (typeof line === 'string') expect(r.line).toBe(line);
    else expect(r.line).toMatch(line);
    expect(snapshotFolder(dir)).toEqual(before);
  });

  it('a run that already reached --epochs: one line, exit 2, config.json untouched (was: exit 0 doing nothing and rewriting "epochs")', async () => {
    const dir = join(root, 'done');
    cpSync(base, dir, { recursive: true });
    const before = snapshotFolder(dir);
    expect(await run(['--resume', dir, '--epochs', '1'])).toEqual({ code: EXIT_USAGE, line: `--resume ${dir}: --epochs 1 is not more than the 2 epochs done; give --epochs above 2 to train further` });
    expect(await run(['--resume', dir, '--epochs', '2'])).toEqual({ code: EXIT_USAGE, line: `--resume ${dir}: --epochs 2 is not more than the 2 epochs done; give --epochs above 2 to train further` });
    expect(await run(['--resume', dir])).toEqual({ code: EXIT_USAGE, line: `--resume ${dir}: the run's 2 epochs are done; give --epochs above 2 to train further` });
    expect(snapshotFolder(dir)).toEqual(before);
    expect((JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { config: { epochs: number } }).config.epochs).toBe(2);
    // and the intact run does continue.
    expect((await run(['--resume', dir, '--epochs', '3'])).code).toBe(0);
    expect(metricRows(dir)).toHaveLength(3);
  });
});
