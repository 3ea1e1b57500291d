/**
 * `--backend auto` by measurement: every candidate that loads runs a few steps of the default job's
 * manual backprop (784-256-10, batch 128, Adam, an input as sparse as MNIST's) the way the trainer
 * would run them there (its fused trainer where the backend offers one, its kernels otherwise) and
 * the fastest wins. The
 * ranking is remembered per machine under a fingerprint of what is installed (node, tfjs, the CPU, the
 * native addon's and tfjs-node's binaries), so only the first run after an install pays for it.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { offersFusedTrainer, type FusedMlpBackend } from '../custom-ops/util/fused_mlp_spec.js';
import { manualAdamUpdate, manualDenseParamGrads, manualHiddenDelta, manualRelu, manualSoftmaxCrossEntropyGrad } from '../custom-ops/index.js';

export type StepTiming = { name: string; msPerStep: number };

const BATCH = 128;
const LAYERS = [784, 256, 10] as const;
/** MNIST's share of exact-zero pixels: the native and wasm products skip zeros, so a dense probe would misjudge them. */
const ZERO_SHARE = 0.81;
/** 3: XLA compiles tensorflow's fused step on its second run. */
const WARMUP_STEPS = 3;
const MIN_STEPS = 3;
const MAX_STEPS = 20;
const TIME_BUDGET_MS = 150;

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator): the probe needs no quality. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function probeArray(length: number, seed: number, zeroShare: number, scale: number): Float32Array {
  const next = lcg(seed);
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = next() < zeroShare ? 0 : (next() - 0.5) * scale;
  return values;
}

type ProbeState = { x: tf.Tensor2D; y: tf.Tensor2D; w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D; m: tf.Tensor2D; v: tf.Tensor2D };

function makeProbeState(): ProbeState {
  const [f, h, c] = LAYERS;
  const labels = new Float32Array(BATCH * c);
  for (let n = 0; n < BATCH; n++) labels[n * c + (n % c)] = 1;
  return {
    x: tf.tensor2d(probeArray(BATCH * f, 1, ZERO_SHARE, 2), [BATCH, f]),
    y: tf.tensor2d(labels, [BATCH, c]),
    w1: tf.tensor2d(probeArray(f * h, 2, 0, 0.1), [f, h]),
    b1: tf.zeros([h]),
    w2: tf.tensor2d(probeArray(h * c, 3, 0, 0.2), [h, c]),
    b2: tf.zeros([c]),
    m: tf.zeros([f, h]),
    v: tf.zeros([f, h]),
  };
}

/** One manual step: forward, backprop through the plugin's kernels, Adam on the first layer; waits for the result. */
function probeStep(s: ProbeState): void {
  tf.tidy(() => {
    const r1 = tf.add(tf.matMul(s.x, s.w1), s.b1);
    const h1 = manualRelu(r1);
    const z = tf.add(tf.matMul(h1, s.w2), s.b2);
    const g2 = manualSoftmaxCrossEntropyGrad(tf.scalar(1), s.y, z);
    manualDenseParamGrads(h1, g2);
    const g1 = manualHiddenDelta(g2, s.w2, r1);
    const { dW } = manualDenseParamGrads(s.x, g1);
    const { param } = manualAdamUpdate(s.w1, dW, s.m, s.v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 });
    param.dataSync();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A few steps of the backend's fused trainer on probe rows, as a step function. */
function fusedProbe(backend: FusedMlpBackend): () => void {
  const [f, h, c] = LAYERS;
  const sizes = [f, h, c];
  const shapes = [f * h, h, h * c, c];
  const params = shapes.map((n, i) => probeArray(n, 2 + i, 0, 0.1));
  const slots = [shapes.map((n) => new Float32Array(n)), shapes.map((n) => new Float32Array(n))];
  const trainLabels = Int32Array.from({ length: BATCH }, (_, n) => n % c);
  const trainer = backend.fusedMlpTrainer({ sizes, params, slots, trainX: probeArray(BATCH * f, 1, ZERO_SHARE, 2), trainLabels });
  const adam = { kind: 'adam' as const, lr: 1e-3, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  let t = 0;
  return () => void trainer.step(null, 0, BATCH, adam, ++t);
}

/** Milliseconds per probe step on the active backend: median of up to MAX_STEPS steps within TIME_BUDGET_MS. */
export function measureActiveBackend(): number {
  const backend = tf.backend();
  if (offersFusedTrainer(backend)) return timeSteps(fusedProbe(backend));
  const state = makeProbeState();
  try {
    return timeSteps(() => probeStep(state));
  } finally {
    tf.dispose(Object.values(state));
  }
}

function timeSteps(step: () => void): number {
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < MAX_STEPS && (times.length < MIN_STEPS || performance.now() - start < TIME_BUDGET_MS)) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Names ordered fastest first; ties keep the candidates' order. */
export function rankTimings(timings: readonly StepTiming[]): string[] {
  return [...timings].sort((a, b) => a.msPerStep - b.msPerStep).map((t) => t.name);
}

function fileIdentity(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

/** What the ranking depends on: a change to any of it (a rebuilt addon, tfjs-node set up) measures again. */
export function installFingerprint(nativeAddonPath: string): string {
  const require = createRequire(import.meta.url);
  const tfjsNodeBinding = (() => {
    try {
      return join(dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'lib', 'napi-v8', 'tfjs_binding.node');
    } catch {
      return 'absent';
    }
  })();
  const cpu = cpus();
  return JSON.stringify({
    node: process.versions.node,
    tfjs: tf.version_core,
    cpu: `${cpu[0]?.model ?? 'unknown'} x${cpu.length}`,
    native: fileIdentity(nativeAddonPath),
    tfjsNode: tfjsNodeBinding === 'absent' ? 'absent' : fileIdentity(tfjsNodeBinding),
  });
}

/** $XDG_CACHE_HOME/handgrad/auto-backend.json, or ~/.cache/handgrad/auto-backend.json. */
export function rankingCachePath(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'handgrad', 'auto-backend.json');
}

type CachedRanking = { fingerprint: string; timings: StepTiming[] };

function isCachedRanking(value: unknown): value is CachedRanking {
  if (typeof value !== 'object' || value === null) return false;
  const { fingerprint, timings } = value as Record<string, unknown>;
  return (
    typeof fingerprint === 'string' &&
    Array.isArray(timings) &&
    timings.every((t: unknown) => typeof t === 'object' && t !== null && typeof (t as StepTiming).name === 'string' && Number.isFinite((t as StepTiming).msPerStep))
  );
}

/** The remembered timings for this fingerprint, or undefined (none, another install, or an unreadable file). */
export function readCachedTimings(path: string, fingerprint: string): StepTiming[] | undefined {
  try {
    const cached: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isCachedRanking(cached) && cached.fingerprint === fingerprint ? cached.timings : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the timings (temp file + rename); a cache that cannot be written only costs a measurement next time. */
export function writeCachedTimings(path: string, fingerprint: string, timings: readonly StepTiming[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, `${JSON.stringify({ fingerprint, timings }, null, 2)}\n`);
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
  }
}
