/**
 * Checkpoints (Node): `<out>/checkpoints/epoch-NNNN/` holds
 *   model.json + weights.bin   the parameters as a tfjs Layers model (dense relu … dense softmax), made by
 *                              tf.sequential(...).save() through a custom IOHandler, so tf.loadLayersModel reads it;
 *   optimizer.bin              the optimizer slots (tf.io.encodeWeights), described in state.json;
 *   state.json                 epoch, optimizer step, shuffle-RNG state, metrics history.
 * A checkpoint folder is written under a temp name and renamed; then `checkpoints/latest.json` is
 * replaced atomically, then older folders are removed. A kill at any moment leaves a complete checkpoint.
 * snapshotCheckpoint copies a state to host memory (cheap, every epoch); writeCheckpoint puts a snapshot
 * on disk (the costly part: layers-model export and four fsyncs), as often as the caller chooses.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../data/errors.js';
import type { MlpParams } from '../model/mlp.js';
import type { TrainConfig } from './config.js';
import { atomicWriteFile } from './atomic.js';
import type { EpochMetrics, RngState, TrainState } from './loop.js';
import { slotNames } from './optimizers.js';

export const CHECKPOINTS = 'checkpoints';
const LATEST = 'latest.json';

type StateFile = {
  epoch: number;
  optimizer: { step: number; specs: tf.io.WeightsManifestEntry[] };
  rngState: RngState;
  history: EpochMetrics[];
};

const layerName = (l: number): string => `dense_${l + 1}`;

/** The params as a tfjs Sequential: dense(relu) for hidden layers, dense(softmax) for the output. The caller disposes it. */
export function toSequential(params: MlpParams): tf.Sequential {
  const model = tf.sequential();
  const L = params.weights.length;
  params.weights.forEach((w, l) => {
    const [inputs, units] = w.shape;
    model.add(
      tf.layers.dense({
        units,
        activation: l === L - 1 ? 'softmax' : 'relu',
        useBias: true,
        // setWeights overwrites the kernel at once: a random initializer would only cost time every epoch.
        kernelInitializer: 'zeros',
        name: layerName(l),
        ...(l === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
    model.layers[l].setWeights([w, params.biases[l]]);
  });
  return model;
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) throw new Error('model.save produced no weight data');
  return new Uint8Array(new tf.io.CompositeArrayBuffer(data).slice());
}

/** model.json (tfjs Layers format) and weights.bin for the params. */
export async function exportLayersModel(params: MlpParams): Promise<{ modelJson: string; weights: Uint8Array }> {
  const model = toSequential(params);
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  if (artifacts === undefined) throw new Error('model.save did not call the save handler');
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
  };
  return { modelJson: JSON.stringify(modelJson), weights: weightBytes(artifacts.weightData) };
}

/** An IOHandler that reads model.json and its weight files from a folder (Node, without tfjs-node). */
export function fileModelHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).buffer));
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

/** A tensor's values copied to the host: owned by the snapshot, untouched by later training steps. */
export type HostTensor = { values: Float32Array; shape: number[] };

/**
 * Everything a checkpoint holds, copied off the tensors of a TrainState: cheap to take every epoch
 * (a memcpy of the parameters and slots), written to disk later by writeCheckpoint.
 */
export type CheckpointSnapshot = {
  epoch: number;
  weights: HostTensor[];
  biases: HostTensor[];
  optimizer: { step: number; slots: Record<string, HostTensor[]> };
  rngState: RngState;
  history: EpochMetrics[];
};

/** A copy: dataSync() on cpu-based backends returns the tensor's own storage. */
function toHost(t: tf.Tensor): HostTensor {
  return { values: new Float32Array(t.dataSync()), shape: [...t.shape] };
}

function toTensor(h: HostTensor): tf.Tensor {
  return tf.tensor(h.values, h.shape, 'float32');
}

/** Copies `state` (which the training loop goes on to dispose or replace) into host memory. */
export function snapshotCheckpoint(state: TrainState): CheckpointSnapshot {
  const slots: Record<string, HostTensor[]> = {};
  for (const [slot, list] of Object.entries(state.optimizerState.slots)) slots[slot] = list.map(toHost);
  return {
    epoch: state.epoch,
    weights: state.params.weights.map(toHost),
    biases: state.params.biases.map(toHost),
    optimizer: { step: state.optimizerState.step, slots },
    rngState: structuredClone(state.rngState),
    history: state.history.map((m) => ({ ...m })),
  };
}

/** The model.json, weights.bin and optimizer.bin bytes of a snapshot (the tensors live only for the encoding). */
async function encodeSnapshot(snapshot: CheckpointSnapshot): Promise<{ modelJson: string; weights: Uint8Array; optimizer: Awaited<ReturnType<typeof tf.io.encodeWeights>> }> {
  const params: MlpParams = { weights: snapshot.weights.map((h) => toTensor(h) as tf.Tensor2D), biases: snapshot.biases.map((h) => toTensor(h) as tf.Tensor1D) };
  const named: tf.NamedTensorMap = {};
  for (const [slot, list] of Object.entries(snapshot.optimizer.slots)) list.forEach((h, i) => (named[`${slot}/${i}`] = toTensor(h)));
  try {
    const { modelJson, weights } = await exportLayersModel(params);
    return { modelJson, weights, optimizer: await tf.io.encodeWeights(named) };
  } finally {
    tf.dispose([...params.weights, ...params.biases, ...Object.values(named)]);
  }
}

/** Writes `snapshot` as `<outDir>/checkpoints/epoch-NNNN/` atomically and makes it the latest. */
export async function writeCheckpoint(outDir: string, snapshot: CheckpointSnapshot): Promise<string> {
  const root = join(outDir, CHECKPOINTS);
  mkdirSync(root, { recursive: true });
  const name = epochDirName(snapshot.epoch);
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);

  const { modelJson, weights, optimizer } = await encodeSnapshot(snapshot);
  const stateFile: StateFile = {
    epoch: snapshot.epoch,
    optimizer: { step: snapshot.optimizer.step, specs: optimizer.specs },
    rngState: snapshot.rngState,
    history: snapshot.history,
  };
  atomicWriteFile(join(tmp, 'model.json'), modelJson);
  atomicWriteFile(join(tmp, 'weights.bin'), weights);
  atomicWriteFile(join(tmp, 'optimizer.bin'), weightBytes(optimizer.data));
  atomicWriteFile(join(tmp, 'state.json'), JSON.stringify(stateFile));

  const target = join(root, name);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
  atomicWriteFile(join(root, LATEST), JSON.stringify({ dir: name, epoch: snapshot.epoch }));
  for (const entry of readdirSync(root)) {
    if (entry !== name && entry !== LATEST && (entry.startsWith('epoch-') || entry.startsWith('.tmp-'))) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
  return target;
}

/** Writes the checkpoint for `state` atomically and makes it the latest (snapshot + write). */
export async function saveCheckpoint(outDir: string, state: TrainState): Promise<string> {
  return writeCheckpoint(outDir, snapshotCheckpoint(state));
}

/** The folder of the latest complete checkpoint of a run, or null when it has none. */
export function latestCheckpointDir(outDir: string): string | null {
  const pointer = join(outDir, CHECKPOINTS, LATEST);
  if (!existsSync(pointer)) return null;
  const { dir } = JSON.parse(readFileSync(pointer, 'utf8')) as { dir: string };
  return join(outDir, CHECKPOINTS, dir);
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new DataError(`${path}: cannot read checkpoint file (${(error as Error).message.split('\n')[0]})`);
  }
}

function fileBuffer(path: string): ArrayBuffer {
  try {
    return new Uint8Array(readFileSync(path)).buffer;
  } catch (error) {
    throw new DataError(`${path}: cannot read checkpoint file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Rebuilds the training state from the latest checkpoint of `outDir`, checked against `config`. */
export function loadCheckpoint(outDir: string, config: TrainConfig): TrainState {
  const dir = latestCheckpointDir(outDir);
  if (dir === null) throw new DataError(`--resume ${outDir}: the run has no checkpoint yet (it stopped before its first epoch); start it again with --out ${outDir} --overwrite`);
  const model = readJson<tf.io.ModelJSON>(join(dir, 'model.json'));
  const specs = (model.weightsManifest ?? []).flatMap((g) => g.weights);
  const weights = tf.io.decodeWeights(fileBuffer(join(dir, 'weights.bin')), specs);
  const L = config.layers.length - 1;
  const params: MlpParams = { weights: [], biases: [] };
  for (let l = 0; l < L; l++) {
    const w = weights[`${layerName(l)}/kernel`];
    const b = weights[`${layerName(l)}/bias`];
    const expected = [config.layers[l], config.layers[l + 1]];
    if (w === undefined || b === undefined || w.shape.join() !== expected.join()) {
      tf.dispose(Object.values(weights));
      throw new DataError(`${dir}: checkpoint weights do not match --layers ${config.layers.join(',')}`);
    }
    params.weights.push(w as tf.Tensor2D);
    params.biases.push(b as tf.Tensor1D);
  }
  const state = readJson<StateFile>(join(dir, 'state.json'));
  const slotsMap = tf.io.decodeWeights(fileBuffer(join(dir, 'optimizer.bin')), state.optimizer.specs);
  const slots: Record<string, tf.Tensor[]> = {};
  for (const slot of slotNames(config.optimizer.kind)) {
    slots[slot] = [];
    for (let i = 0; i < 2 * L; i++) {
      const t = slotsMap[`${slot}/${i}`];
      if (t === undefined) {
        tf.dispose([...Object.values(slotsMap), ...params.weights, ...params.biases]);
        throw new DataError(`${dir}: optimizer state lacks ${slot}/${i} for --optimizer ${config.optimizer.kind}`);
      }
      slots[slot].push(t);
    }
  }
  return { params, optimizerState: { step: state.optimizer.step, slots }, epoch: state.epoch, rngState: state.rngState, history: state.history };
}
