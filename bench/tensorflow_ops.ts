/**
 * Where a training step's time goes on the tensorflow backend: `npm run bench:tensorflow-ops`.
 * Runs the default job's step (trainStep: manual gradients and the optimizer update, on one batch
 * of the default job's size) and times every libtensorflow op it runs, by wrapping tfjs-node's
 * binding.executeOp, which every TF eager op of the step goes through (handgrad's kernels and
 * tfjs-node's own). Each op is charged to the handgrad kernel running it, or to tfjs-node's kernels.
 * The batch is synthetic with MNIST's share of zero pixels (81 %): TF's products do not skip zeros,
 * so the values do not change the time.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { TensorflowBinding } from '../custom-ops/backends/tensorflow/node_backend.js';
import { CUSTOM_KERNEL_NAMES, registerCustomOps } from '../custom-ops/index.js';
import { useBackend } from '../src/backends.js';
import { initTrainState } from '../src/train/loop.js';
import { trainStep } from '../src/train/step.js';
import { defaultJobConfig } from './job.js';

const USAGE = `usage: npm run bench:tensorflow-ops -- [--steps N] [--warmup N] [--optimizer adam|momentum|sgd]
  --steps N       timed steps (default 300)
  --warmup N      steps before timing (default 50)
  --optimizer K   the update (default adam, the default job's)`;

type Tally = { count: number; ns: bigint };

/** A bad flag: one line, exit status 2. */
class UsageError extends Error {}
const TFJS_NODE = "tfjs-node's kernels";
const MNIST_ZERO_SHARE = 0.81;

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got ${text}`);
  return n;
}

function parse(argv: string[]): { steps: number; warmup: number; optimizer: 'adam' | 'momentum' | 'sgd' } | null {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { steps: { type: 'string' }, warmup: { type: 'string' }, optimizer: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return null;
  const optimizer = values.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'momentum' && optimizer !== 'sgd') throw new UsageError(`--optimizer: expected adam, momentum or sgd, got ${optimizer}`);
  return { steps: positive(values.steps ?? '300', '--steps'), warmup: positive(values.warmup ?? '50', '--warmup'), optimizer };
}

function add(map: Map<string, Tally>, key: string, ns: bigint): void {
  const tally = map.get(key) ?? { count: 0, ns: 0n };
  tally.count++;
  tally.ns += ns;
  map.set(key, tally);
}

function table(title: string, rows: Array<[string, Tally]>, steps: number, stepMs: number, perCall: 'µs/op' | 'ops/call', calls?: Map<string, number>): string {
  const lines = [`${title.padEnd(34)} ${'ops/step'.padStart(8)} ${perCall.padStart(8)} ${'ms/step'.padStart(8)} ${'of step'.padStart(8)}`];
  for (const [name, t] of rows.sort((a, b) => Number(b[1].ns - a[1].ns))) {
    const ms = Number(t.ns) / 1e6 / steps;
    const third = perCall === 'µs/op' ? (Number(t.ns) / 1e3 / t.count).toFixed(1) : (calls?.has(name) === true ? (t.count / (calls.get(name) ?? 1)).toFixed(1) : '—');
    lines.push(`${name.padEnd(34)} ${(t.count / steps).toFixed(1).padStart(8)} ${third.padStart(8)} ${ms.toFixed(3).padStart(8)} ${`${((100 * ms) / stepMs).toFixed(0)} %`.padStart(8)}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
    return;
  }
  await useBackend('tensorflow');
  registerCustomOps();
  const backend = tf.backend() as unknown as { binding: TensorflowBinding };
  const binding = backend.binding;
  const byOp = new Map<string, Tally>();
  const byKernel = new Map<string, Tally>();
  const kernelCalls = new Map<string, number>();
  let kernel = TFJS_NODE;
  let timing = false;
  const executeOp: TensorflowBinding['executeOp'] = (opName, attrs, inputs, numOutputs) => {
    if (!timing) return binding.executeOp(opName, attrs, inputs, numOutputs);
    const start = process.hrtime.bigint();
    const outputs = binding.executeOp(opName, attrs, inputs, numOutputs);
    const ns = process.hrtime.bigint() - start;
    add(byOp, opName, ns);
    add(byKernel, kernel, ns);
    return outputs;
  };
  // The binding's methods are read-only, non-configurable properties (a Proxy of it may not change
  // them): the backend gets a stand-in object that forwards everything to it.
  backend.binding = new Proxy({} as TensorflowBinding, {
    get: (_stub, key) => {
      if (key === 'executeOp') return executeOp;
      const value = Reflect.get(binding, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(binding) : value;
    },
  });
  for (const name of CUSTOM_KERNEL_NAMES) {
    const config = tf.getKernel(name, 'tensorflow');
    if (config === undefined) throw new Error(`tensorflow backend: kernel ${name} is not registered`);
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (timing) kernelCalls.set(name, (kernelCalls.get(name) ?? 0) + 1);
        kernel = name;
        try {
          return config.kernelFunc(args);
        } finally {
          kernel = TFJS_NODE;
        }
      },
    });
  }

  const base = defaultJobConfig(784, 10);
  const config = { ...base, optimizer: { ...base.optimizer, kind: options.optimizer } };
  const state = initTrainState(config);
  let params = state.params;
  let optimizerState = state.optimizerState;
  const n = config.batchSize;
  const x = tf.tidy(() => tf.mul<tf.Tensor2D>(tf.randomUniform([n, 784], 0, 1, 'float32', 1), tf.cast(tf.greater(tf.randomUniform([n, 784], 0, 1, 'float32', 2), MNIST_ZERO_SHARE), 'float32')));
  const y = tf.tensor2d(Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0)), [n, 10]);
  const step = () => {
    const result = trainStep(params, optimizerState, x, y, config);
    params = result.params;
    optimizerState = result.optimizerState;
    result.loss.dataSync();
    result.loss.dispose();
  };
  for (let i = 0; i < options.warmup; i++) step();
  timing = true;
  const start = performance.now();
  for (let i = 0; i < options.steps; i++) step();
  const stepMs = (performance.now() - start) / options.steps;
  timing = false;

  let ops = 0;
  let opNs = 0n;
  for (const t of byOp.values()) {
    ops += t.count;
    opNs += t.ns;
  }
  const layers = config.layers.join(' → ');
  console.log(`tensorflow backend, the default job's step (${layers}, batch ${n}, ${options.optimizer}, manual gradients): ${options.steps} steps after ${options.warmup}`);
  console.log(`${stepMs.toFixed(3)} ms/step, ${(ops / options.steps).toFixed(1)} TF eager ops/step, ${((100 * Number(opNs)) / 1e6 / options.steps / stepMs).toFixed(0)} % of the step inside them`);
  console.log('');
  console.log(table('kernel', [...byKernel.entries()], options.steps, stepMs, 'ops/call', kernelCalls));
  console.log('');
  console.log(table('TF op', [...byOp.entries()], options.steps, stepMs, 'µs/op'));
  tf.dispose([x, y, ...params.weights, ...params.biases, ...Object.values(optimizerState.slots).flat()]);
}

main().catch((error: unknown) => {
  console.error(`bench:tensorflow-ops: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
