/**
 * The peers section on tiny sizes: PyTorch eager and both JAX peers train the same network as handgrad
 * (same rows, initial parameters, batch order), so their losses agree with handgrad's to the fp32~fp32
 * tolerance numpy's side meets (1e-5 relative, gradcheck/tolerances.ts) epoch after epoch, and stop agreeing
 * when a peer is given another batch order; finite positive ratios; compile time apart. A Python without
 * torch and jax gives one skip line per missing module. torch.compile is left out here: inductor's first
 * compile takes a minute on this machine (the bench runs it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runHomework } from '../../bench/homework.js';
import { defaultJobConfig, runDefaultJob, type JobReport } from '../../bench/job.js';
import { startNumpy, type NumpyBaseline } from '../../bench/numpy.js';
import { startPeers, type PeerClient } from '../../bench/peers.js';
import type { BenchReport } from '../../bench/report.js';
import { makeHomeworkDataset } from '../../bench/workload.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { probeBackend } from '../../src/backends.js';
import { BENCH_SCRIPT, NUMPY_MISSING, REPO_ROOT } from './helpers.js';

const python = process.env.HANDGRAD_PYTHON ?? 'python3';
const importable = (module: string) => spawnSync(python, ['-c', `import ${module}`]).status === 0;
const PEERS_MISSING = NUMPY_MISSING || !importable('torch') || !importable('jax');
const PEERS_SKIP = PEERS_MISSING ? ' (SKIPPED: python3 with numpy, torch and jax not available: pip install torch jax)' : '';
if (PEERS_MISSING) console.warn(`[bench peers test]${PEERS_SKIP}`);

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-30);
const TIMEOUT_MS = 120_000;
const backend = (await probeBackend('native')).available ? 'native' : 'cpu';

describe.skipIf(PEERS_MISSING)(`peers: PyTorch and JAX beside handgrad ${backend}${PEERS_SKIP}`, () => {
  let numpy: NumpyBaseline | null = null;
  let peers: PeerClient[] = [];
  afterAll(() => {
    numpy?.close();
    for (const peer of peers) peer.close();
  });

  async function start(): Promise<PeerClient[]> {
    if (peers.length > 0) return peers;
    const numpyStart = await startNumpy();
    if (!numpyStart.ok) throw new Error(numpyStart.reason);
    numpy = numpyStart.baseline;
    const started = await startPeers(['torch-eager', 'jax-step', 'jax-scan']);
    expect(started.skipped).toEqual([]);
    peers = started.peers;
    return peers;
  }

  let job: JobReport | null = null;
  it('the default job: every peer trains the same network as handgrad, within fp32~fp32 of its losses every epoch', async () => {
    await tf.setBackend('cpu');
    // 300 training rows at batch 128: steps of 128, 128 and 44 rows (the last batch shorter: jax-scan scans two, then steps once).
    const dataset = makeHomeworkDataset({ train: 300, valid: 60, test: 40, layers: [20, 32, 4], lr: 0, momentum: 0 }, 7);
    const epochs = 3;
    job = await runDefaultJob({ backend, dataset, config: defaultJobConfig(20, 4, epochs), subset: null }, numpy ?? null, () => {}, await start());
    expect(job.peers.map((p) => p.peer)).toEqual(['torch-eager', 'jax-step', 'jax-scan']);
    for (const peer of job.peers) {
      expect(peer.failed, peer.peer).toBeNull();
      expect(peer.framework).toMatch(peer.peer.startsWith('torch') ? /^torch \d/ : /^jax \d/);
      expect(peer.perEpoch).toHaveLength(epochs);
      peer.perEpoch.forEach((side, e) => {
        const ours = job?.perEpoch[e].handgrad.metrics;
        if (!ours) throw new Error('no handgrad epoch');
        for (const key of ['trainLoss', 'validLoss', 'testLoss'] as const) expect(relative(side.metrics[key], ours[key]), `${peer.peer} epoch ${e + 1} ${key}`).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      });
      expect(peer.ratios.every((r) => Number.isFinite(r) && r > 0)).toBe(true);
      expect(peer.ratios[1]).toBeCloseTo((job.perEpoch[1].handgrad.seconds) / peer.perEpoch[1].seconds, 12);
      expect(peer.ratio?.n).toBe(epochs - 1);
      expect(peer.ratio && peer.ratio.min > 0 && Number.isFinite(peer.ratio.max)).toBe(true);
      expect(peer.maxTrainLossDiff).toBe(Math.max(...peer.perEpoch.map((s, e) => Math.abs(s.metrics.trainLoss - (job?.perEpoch[e].handgrad.metrics.trainLoss ?? NaN)))));
      // Compilation is timed apart: JAX compiles before the first epoch, eager PyTorch does not compile.
      if (peer.peer === 'torch-eager') expect(peer.compileSeconds).toBeNull();
      else expect(peer.compileSeconds).toBeGreaterThan(0);
    }
    // The loss goes down on every side (Adam at 1e-3 on a learnable problem).
    for (const peer of job.peers) expect(peer.perEpoch[epochs - 1].metrics.trainLoss).toBeLessThan(peer.perEpoch[0].metrics.trainLoss);
  }, TIMEOUT_MS);

  it('a peer given another batch order trains another network: the agreement above can fail', async () => {
    const [torch] = await start();
    const reversed: PeerClient = { ...torch, jobEpoch: (order) => torch.jobEpoch(order.slice().reverse()) };
    const dataset = makeHomeworkDataset({ train: 300, valid: 60, test: 40, layers: [20, 32, 4], lr: 0, momentum: 0 }, 7);
    const other = await runDefaultJob({ backend, dataset, config: defaultJobConfig(20, 4, 2), subset: null }, null, () => {}, [reversed]);
    const e = 1;
    expect(relative(other.peers[0].perEpoch[e].metrics.trainLoss, other.perEpoch[e].handgrad.metrics.trainLoss)).toBeGreaterThan(10 * FP32_VS_FP32.rtol);
  }, TIMEOUT_MS);

  it('the homework setting: full-batch momentum in chunks, the same train losses, jax-scan compiling once per chunk length', async () => {
    const shape = { train: 200, valid: 60, test: 40, layers: [20, 32, 4] as [number, number, number], lr: 0.1, momentum: 0.9 };
    const run = await runHomework({ backend, shape, epochs: 5, chunkEpochs: 2, seed: 3 }, numpy, () => {}, await start());
    expect(run.peers.map((p) => p.peer)).toEqual(['torch-eager', 'jax-step', 'jax-scan']);
    for (const peer of run.peers) {
      expect(peer.failed, peer.peer).toBeNull();
      expect(peer.epochs).toBe(5);
      expect(peer.chunkSeconds).toHaveLength(3); // 2 + 2 + 1
      expect(peer.maxTrainLossDiff ?? NaN).toBeLessThanOrEqual(FP32_VS_FP32.rtol * run.handgrad.first.trainLoss);
      expect(Number.isFinite(peer.ratio) && (peer.ratio ?? 0) > 0).toBe(true);
      expect(peer.ratio).toBeCloseTo(run.handgrad.seconds / peer.seconds, 12);
      expect(peer.last?.validAcc).toBeCloseTo(run.handgrad.last.validAcc, 6);
    }
    const scan = run.peers.find((p) => p.peer === 'jax-scan');
    // Chunks of 2 and of 1 epoch: two compiled functions, both before the chunk they run (not inside its time).
    expect(scan?.compileSeconds).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});

/**
 * A Python that really lacks torch and jax but has numpy: python3 -S (no site-packages) with PYTHONPATH holding
 * only numpy's own folders.
 */
function pythonWithoutPeers(dir: string): string | null {
  const probe = spawnSync('python3', ['-c', 'import numpy, os; print(os.path.dirname(os.path.dirname(numpy.__file__)))'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const site = probe.stdout.trim();
  for (const name of readdirSync(site).filter((n) => n === 'numpy' || n === 'numpy.libs')) symlinkSync(join(site, name), join(dir, name), 'dir');
  const wrapper = join(dir, 'python-without-peers');
  writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH=${JSON.stringify(dir)} exec python3 -S "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

describe.skipIf(NUMPY_MISSING)('peers: a missing module is one skip line', () => {
  it('startPeers names torch and jax, one row each, when the bench\'s Python cannot import them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'handgrad-peers-'));
    const saved = process.env.HANDGRAD_PYTHON;
    try {
      const wrapper = pythonWithoutPeers(dir);
      if (wrapper === null) throw new Error('python3 with numpy expected');
      expect(spawnSync(wrapper, ['-c', 'import numpy']).status).toBe(0);
      expect(spawnSync(wrapper, ['-c', 'import torch']).status).not.toBe(0);
      process.env.HANDGRAD_PYTHON = wrapper;
      const started = await startPeers(['torch-eager', 'torch-compile', 'jax-step', 'jax-scan']);
      expect(started.peers).toEqual([]);
      expect(started.skipped).toEqual([
        { peers: ['torch-eager', 'torch-compile'], reason: `torch is not importable by ${wrapper} (pip install torch)` },
        { peers: ['jax-step', 'jax-scan'], reason: `jax is not importable by ${wrapper} (pip install jax)` },
      ]);

      // Through the command: one line per missing module, numpy still runs, nothing else of the section.
      const run = spawnSync(process.execPath, ['--import', 'tsx', BENCH_SCRIPT, '--sections', 'peers', '--backends', 'cpu', '--peers', 'torch-eager'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: TIMEOUT_MS,
        env: { ...process.env, HANDGRAD_PYTHON: wrapper },
      });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout.split('\n').filter((l) => l.includes('torch'));
      expect(lines).toEqual([`peers: torch-eager: skipped (torch is not importable by ${wrapper} (pip install torch))`]);
    } finally {
      if (saved === undefined) delete process.env.HANDGRAD_PYTHON;
      else process.env.HANDGRAD_PYTHON = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT_MS);
});

describe.skipIf(PEERS_MISSING)(`bench --write-docs${PEERS_SKIP}`, () => {
  it('writes the page from the run: dated, the machine and versions, the numpy and peers rows; no temp file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handgrad-docs-'));
    try {
      const page = join(dir, 'docs', 'benchmarks.md');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', BENCH_SCRIPT, '--json', '--sections', 'peers', '--backends', backend, '--peers', 'jax-step', '--job-rows', '256', '--job-epochs', '2', '--peers-homework-epochs', '0', '--docs-file', page],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: TIMEOUT_MS },
      );
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as BenchReport;
      const text = readFileSync(page, 'utf8');
      expect(readdirSync(dirname(page))).toEqual(['benchmarks.md']);
      expect(text).toContain(`on ${report.generated.slice(0, 10)} `);
      expect(text).toContain(`| CPU | ${report.machine.cpu}, ${report.machine.cores} cores |`);
      expect(text).toContain(`jax ${report.machine.python?.jax}`);
      expect(text).toContain(`torch ${report.machine.python?.torch}`);
      for (const [key, value] of Object.entries(report.machine.env)) expect(text).toContain(`${key}=${value}`);
      const job = report.passes[0].peers?.job;
      const peer = job?.peers[0];
      if (!job?.ratio || !peer?.ratio) throw new Error('no peers job in the report');
      expect(text).toMatch(new RegExp(`^\\| numpy \\| — \\| [\\d.]+ \\| [\\d.]+ \\| ${job.ratio.median.toFixed(2)}× \\|`, 'm'));
      expect(text).toMatch(new RegExp(`^\\| jax-step \\| ${peer.compileSeconds?.toFixed(1)} \\| [\\d.]+ \\| [\\d.]+ \\| ${peer.ratio.median.toFixed(2)}× \\|`, 'm'));
      expect(existsSync(page)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT_MS);
});
