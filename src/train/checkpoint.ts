/**
 * Checkpoints (Node): `<out>/checkpoints/epoch-NNNN/` holds
 *   model.json + weights.bin   the parameters as a tfjs Layers model (dense relu … dense softmax), so
 *                              tf.loadLayersModel reads it; weights.bin is the params block of the saved-state
 *                              format (src/train/snapshot.ts), model.json the topology for these layer sizes;
 *   optimizer.bin              the optimizer block of that format;
 *   state.json                 its manifest: epoch, optimizer step, shuffle-RNG state, metrics history, specs;
 *   manifest.json              the size and SHA-256 of each of the four files above.
 * A checkpoint folder is written under a temp name (every file fsynced) and renamed; then
 * `checkpoints/latest.json` (naming the folder and the SHA-256 of its manifest) is replaced atomically,
 * then older folders are removed. A kill at any moment leaves a complete checkpoint; a failed write
 * (a full disk) removes its temp folder and leaves the previous checkpoint as the latest.
 * Loading verifies everything before a tensor is made: the manifest's sizes and checksums, the
 * weight specs against the run's layers and optimizer, the state's fields; any mismatch is one line
 * naming the file (DataError).
 * snapshotTrainState (src/train/snapshot.ts) copies a state to host memory (cheap, every epoch);
 * writeCheckpoint puts a snapshot on disk (the costly part: five fsyncs), as often as the caller chooses.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/errors.js';
import type { MlpParams } from '../model/mlp.js';
import { atomicWriteFile, FileSystemError, fsyncDir, removeQuietly, removeStaleTemps, trackTemp, untrackTemp, writeFileDurably } from './atomic.js';
import type { TrainConfig } from './config.js';
import type { EpochMetrics, TrainState } from './loop.js';
import { slotNames } from './optimizers.js';
import { decodeSnapshot, encodeSnapshot, paramName, restoreTrainState, snapshotTrainState, type SnapshotManifest, type TensorSpec, type TrainSnapshot } from './snapshot.js';

export const CHECKPOINTS = 'checkpoints';
const LATEST = 'latest.json';
const MANIFEST = 'manifest.json';
/** The files of a checkpoint folder that manifest.json describes, in the order they are written. */
export const CHECKPOINT_FILES = ['model.json', 'weights.bin', 'optimizer.bin', 'state.json'] as const;
type CheckpointFile = (typeof CHECKPOINT_FILES)[number];
const MANIFEST_FORMAT = 'handgrad-checkpoint';

type Manifest = { format: typeof MANIFEST_FORMAT; version: 1; epoch: number; files: Record<CheckpointFile, { bytes: number; sha256: string }> };
type LatestFile = { dir: string; epoch: number; manifestSha256: string };

/** state.json: the snapshot's manifest (its params specs repeat model.json's, so loading reads those). */
type StateFile = Omit<SnapshotManifest, 'params'>;

const layerName = (l: number): string => paramName(l, 'kernel').split('/')[0];

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
      tf.io.withSaveHandler((a) => {
        artifacts = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
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
      const json = parseJson<tf.io.ModelJSON>(readCheckpointFile(join(dir, 'model.json')), join(dir, 'model.json'));
      return tf.io.getModelArtifactsForJSON(json, (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).buffer));
        return Promise.resolve([specs, tf.io.concatenateArrayBuffers(buffers)]);
      });
    },
  };
}

function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

/** `epoch-0002`, or `epoch-0002-3` when an epoch is written again while its first folder is the latest. */
const EPOCH_DIR = /^epoch-\d{4,}(-\d+)?$/;

/** model.json for these layer sizes: its topology and weight specs depend on the sizes alone, so it is made once. */
const modelJsonBySizes = new Map<string, { json: string; specs: { name: string; shape: number[] }[] }>();

async function layersModelJson(layers: readonly number[]): Promise<{ json: string; specs: { name: string; shape: number[] }[] }> {
  const key = layers.join(',');
  let cached = modelJsonBySizes.get(key);
  if (cached === undefined) {
    const params: MlpParams = {
      weights: layers.slice(1).map((out, l) => tf.zeros<tf.Rank.R2>([layers[l], out])),
      biases: layers.slice(1).map((out) => tf.zeros<tf.Rank.R1>([out])),
    };
    try {
      const { modelJson } = await exportLayersModel(params);
      const specs = ((JSON.parse(modelJson) as tf.io.ModelJSON).weightsManifest ?? []).flatMap((g) => g.weights.map((w) => ({ name: w.name, shape: w.shape })));
      cached = { json: modelJson, specs };
    } finally {
      tf.dispose([...params.weights, ...params.biases]);
    }
    modelJsonBySizes.set(key, cached);
  }
  return cached;
}

/** The files of a checkpoint for `snapshot`: the Layers model.json, and the saved-state format's blocks and manifest. */
async function checkpointFiles(snapshot: TrainSnapshot): Promise<Record<CheckpointFile, Uint8Array>> {
  const encoded = encodeSnapshot(snapshot);
  const layers = [snapshot.weights[0].shape[0], ...snapshot.weights.map((w) => w.shape[1])];
  const model = await layersModelJson(layers);
  // weights.bin serves model.json too: the same names, shapes and order.
  if (JSON.stringify(model.specs) !== JSON.stringify(encoded.manifest.params.map(({ name, shape }) => ({ name, shape })))) {
    throw new Error(`checkpoint: the Layers model's weights (${model.specs.map((w) => w.name).join(', ')}) are not the saved state's params`);
  }
  const { params: _params, ...stateFile } = encoded.manifest;
  return {
    'model.json': utf8(model.json),
    'weights.bin': encoded.params,
    'optimizer.bin': encoded.optimizer,
    'state.json': utf8(JSON.stringify(stateFile satisfies StateFile)),
  };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The folder name for `epoch`: its plain name unless that folder is the current latest checkpoint. */
function freshEpochDirName(root: string, epoch: number): string {
  const base = epochDirName(epoch);
  const latest = readLatestOrNull(root);
  if (latest?.dir !== base) return base;
  for (let n = 2; ; n++) if (!existsSync(join(root, `${base}-${n}`)) && latest.dir !== `${base}-${n}`) return `${base}-${n}`;
}

function readLatestOrNull(root: string): LatestFile | null {
  try {
    return JSON.parse(readFileSync(join(root, LATEST), 'utf8')) as LatestFile;
  } catch {
    return null;
  }
}

function ensureFolder(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileSystemError(path, error, 'cannot create folder');
  }
}

/**
 * Writes `snapshot` as `<outDir>/checkpoints/epoch-NNNN/` atomically and makes it the latest. On
 * failure (FileSystemError naming the file that could not be written) nothing of the new checkpoint
 * is left and the previous one is still the latest.
 */
export async function writeCheckpoint(outDir: string, snapshot: TrainSnapshot): Promise<string> {
  const root = join(outDir, CHECKPOINTS);
  ensureFolder(root);
  const name = freshEpochDirName(root, snapshot.epoch);
  const target = join(root, name);
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  trackTemp(tmp);
  try {
    removeQuietly(tmp);
    try {
      mkdirSync(tmp);
    } catch (error) {
      throw new FileSystemError(target, error, 'cannot create folder');
    }
    const files = await checkpointFiles(snapshot);
    const manifest: Manifest = { format: MANIFEST_FORMAT, version: 1, epoch: snapshot.epoch, files: {} as Manifest['files'] };
    for (const file of CHECKPOINT_FILES) {
      writeFileDurably(join(tmp, file), files[file], join(target, file));
      manifest.files[file] = { bytes: files[file].length, sha256: sha256(files[file]) };
    }
    const manifestBytes = utf8(JSON.stringify(manifest));
    writeFileDurably(join(tmp, MANIFEST), manifestBytes, join(target, MANIFEST));
    fsyncDir(tmp);
    removeQuietly(target); // debris of a session killed between this rename and latest.json (never the latest)
    try {
      renameSync(tmp, target);
    } catch (error) {
      throw new FileSystemError(target, error, 'cannot rename the checkpoint into place');
    }
    fsyncDir(root);
    try {
      atomicWriteFile(join(root, LATEST), JSON.stringify({ dir: name, epoch: snapshot.epoch, manifestSha256: sha256(manifestBytes) } satisfies LatestFile));
    } catch (error) {
      removeQuietly(target);
      throw error;
    }
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  } finally {
    untrackTemp(tmp);
  }
  for (const entry of readdirSync(root)) {
    if (entry !== name && EPOCH_DIR.test(entry)) removeQuietly(join(root, entry));
  }
  removeStaleTemps(root);
  return target;
}

/** Writes the checkpoint for `state` atomically and makes it the latest (snapshot + write). */
export async function saveCheckpoint(outDir: string, state: TrainState): Promise<string> {
  return writeCheckpoint(outDir, snapshotTrainState(state));
}

/** The bytes of a checkpoint file; a missing or unreadable one is a DataError naming it. */
function readCheckpointFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read checkpoint file (${code === 'ENOENT' ? 'missing' : (code ?? String(error))})`);
  }
}

function parseJson<T>(bytes: Uint8Array, path: string): T {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T;
  } catch (error) {
    throw new DataError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInt = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/** latest.json of `root`, checked; null when there is none. */
function readLatest(root: string): LatestFile | null {
  const path = join(root, LATEST);
  if (!existsSync(path)) return null;
  const latest = parseJson<unknown>(readCheckpointFile(path), path);
  if (!isRecord(latest) || typeof latest.dir !== 'string' || !EPOCH_DIR.test(latest.dir) || !isInt(latest.epoch, 0) || typeof latest.manifestSha256 !== 'string') {
    throw new DataError(`${path}: not a checkpoint pointer (expected {"dir": "epoch-NNNN", "epoch": N, "manifestSha256": …})`);
  }
  return { dir: latest.dir, epoch: latest.epoch, manifestSha256: latest.manifestSha256 };
}

/** The folder of the latest complete checkpoint of a run, or null when it has none. */
export function latestCheckpointDir(outDir: string): string | null {
  const latest = readLatest(join(outDir, CHECKPOINTS));
  return latest === null ? null : join(outDir, CHECKPOINTS, latest.dir);
}

/** Reads the four files of a checkpoint folder and checks each against manifest.json (which latest.json vouches for). */
function readVerifiedFiles(dir: string, latest: LatestFile): Record<CheckpointFile, Uint8Array> {
  if (!existsSync(dir)) throw new DataError(`${dir}: missing (latest.json points to it)`);
  const manifestPath = join(dir, MANIFEST);
  const manifestBytes = readCheckpointFile(manifestPath);
  if (sha256(manifestBytes) !== latest.manifestSha256) throw new DataError(`${manifestPath}: checksum does not match latest.json (the file changed after it was written)`);
  const manifest = parseJson<Manifest>(manifestBytes, manifestPath);
  if (!isRecord(manifest) || manifest.format !== MANIFEST_FORMAT || manifest.version !== 1 || manifest.epoch !== latest.epoch || !isRecord(manifest.files)) {
    throw new DataError(`${manifestPath}: not a handgrad checkpoint manifest for epoch ${latest.epoch}`);
  }
  const out = {} as Record<CheckpointFile, Uint8Array>;
  for (const file of CHECKPOINT_FILES) {
    const path = join(dir, file);
    const entry = manifest.files[file];
    if (!isRecord(entry) || !isInt(entry.bytes, 0) || typeof entry.sha256 !== 'string') throw new DataError(`${manifestPath}: no size and checksum for ${file}`);
    const bytes = readCheckpointFile(path);
    if (bytes.length !== entry.bytes) {
      throw new DataError(`${path}: ${bytes.length} bytes, the checkpoint's manifest says ${entry.bytes} (${bytes.length < entry.bytes ? 'truncated' : 'bytes added'} after it was written)`);
    }
    if (sha256(bytes) !== entry.sha256) throw new DataError(`${path}: checksum does not match the checkpoint's manifest (the file changed after it was written)`);
    out[file] = bytes;
  }
  return out;
}

type Spec = { name: string; shape: number[] };

function checkSpecs(raw: unknown, expected: readonly Spec[], path: string, what: string): void {
  const problem = (): never => {
    throw new DataError(`${path}: ${what} do not match the run (${expected.map((e) => `${e.name} [${e.shape.join(',')}]`).join(', ')})`);
  };
  if (!Array.isArray(raw) || raw.length !== expected.length) return problem();
  raw.forEach((spec: unknown, i) => {
    if (!isRecord(spec) || spec.name !== expected[i].name || spec.dtype !== 'float32' || spec.quantization !== undefined) problem();
    const shape = (spec as { shape?: unknown }).shape;
    if (!Array.isArray(shape) || shape.join() !== expected[i].shape.join()) problem();
  });
}

const METRIC_FIELDS = ['trainLoss', 'trainAcc', 'validLoss', 'validAcc', 'testLoss', 'testAcc', 'seconds', 'evalSeconds'] as const;

function checkState(raw: unknown, epoch: number, path: string): StateFile {
  const bad = (what: string): never => {
    throw new DataError(`${path}: ${what}`);
  };
  if (!isRecord(raw)) return bad('not an object');
  if (raw.epoch !== epoch) bad(`epoch ${JSON.stringify(raw.epoch)} is not the ${epoch} that latest.json names`);
  const optimizer = raw.optimizer;
  if (!isRecord(optimizer) || !isInt(optimizer.step, 0)) bad('optimizer.step is not a non-negative integer');
  const rng = raw.rngState;
  if (!isRecord(rng) || !isInt(rng.i, 0, 255) || !isInt(rng.j, 0, 255) || !Array.isArray(rng.S) || rng.S.length !== 256 || !rng.S.every((v) => isInt(v, 0, 255))) {
    bad('rngState is not a shuffle-RNG state ({i, j, S[256]} of bytes)');
  }
  const history = raw.history;
  if (!Array.isArray(history) || history.length !== epoch) return bad(`history has ${Array.isArray(history) ? history.length : 'no'} entries, expected ${epoch}`);
  const metrics = history.map((m: unknown, k): EpochMetrics => {
    if (!isRecord(m) || m.epoch !== k + 1) return bad(`history[${k}] is not the metrics of epoch ${k + 1}`);
    const entry = { epoch: k + 1 } as EpochMetrics;
    for (const field of METRIC_FIELDS) {
      const v = m[field];
      // JSON writes NaN as null (a run with --allow-nan).
      if (v !== null && typeof v !== 'number') bad(`history[${k}].${field} is not a number`);
      entry[field] = v === null ? Number.NaN : (v as number);
    }
    return entry;
  });
  return { ...(raw as StateFile), history: metrics };
}

export type LoadOptions = {
  /** Accept NaN/±Infinity parameters (a run trained with --allow-nan). */
  allowNonFinite?: boolean;
};

/**
 * Rebuilds the training state from the latest checkpoint of `outDir`, verified against its manifest
 * and checked against `config` (layer sizes, optimizer). Any problem: DataError naming the file.
 */
export function loadCheckpoint(outDir: string, config: TrainConfig, options: LoadOptions = {}): TrainState {
  const root = join(outDir, CHECKPOINTS);
  const latest = readLatest(root);
  if (latest === null) throw new DataError(`--resume ${outDir}: the run has no checkpoint yet (it stopped before its first epoch); start it again with --out ${outDir} --overwrite`);
  const dir = join(root, latest.dir);
  const files = readVerifiedFiles(dir, latest);
  const L = config.layers.length - 1;
  const paramSpecs: Spec[] = [];
  for (let l = 0; l < L; l++) {
    paramSpecs.push({ name: `${layerName(l)}/kernel`, shape: [config.layers[l], config.layers[l + 1]] }, { name: `${layerName(l)}/bias`, shape: [config.layers[l + 1]] });
  }
  const modelPath = join(dir, 'model.json');
  const model = parseJson<unknown>(files['model.json'], modelPath);
  const groups = isRecord(model) && Array.isArray(model.weightsManifest) ? (model.weightsManifest as unknown[]) : null;
  const group = groups?.length === 1 && isRecord(groups[0]) ? groups[0] : null;
  if (group === null || !Array.isArray(group.paths) || group.paths.join() !== 'weights.bin') throw new DataError(`${modelPath}: no weightsManifest for weights.bin`);
  checkSpecs(group.weights, paramSpecs, modelPath, `checkpoint weights for --layers ${config.layers.join(',')}`);
  const statePath = join(dir, 'state.json');
  const state = checkState(parseJson<unknown>(files['state.json'], statePath), latest.epoch, statePath);
  const slots = slotNames(config.optimizer.kind);
  const slotSpecs = slots.flatMap((slot) => paramSpecs.map((p, i) => ({ name: `${slot}/${i}`, shape: p.shape })));
  checkSpecs(state.optimizer.specs, slotSpecs, statePath, `optimizer specs for --optimizer ${config.optimizer.kind}`);
  const weightsPath = join(dir, 'weights.bin');
  const optimizerPath = join(dir, 'optimizer.bin');
  const tensorSpecs = (specs: readonly Spec[]): TensorSpec[] => specs.map(({ name, shape }) => ({ name, shape, dtype: 'float32' }));
  const snapshot = decodeSnapshot(
    {
      manifest: { ...state, params: tensorSpecs(paramSpecs), optimizer: { step: state.optimizer.step, specs: tensorSpecs(slotSpecs) } },
      params: files['weights.bin'],
      optimizer: files['optimizer.bin'],
    },
    { params: weightsPath, optimizer: optimizerPath },
  );
  if (options.allowNonFinite !== true) {
    const finite = (path: string, named: [string, Float32Array][]): void => {
      for (const [name, values] of named) if (!values.every(Number.isFinite)) throw new DataError(`${path}: ${name} holds NaN or ±Infinity (resume with --allow-nan to continue from it anyway)`);
    };
    finite(weightsPath, paramSpecs.map((p, i) => [p.name, (i % 2 === 0 ? snapshot.weights : snapshot.biases)[i >> 1].values]));
    finite(optimizerPath, slots.flatMap((slot) => snapshot.optimizer.slots[slot].map((h, i): [string, Float32Array] => [`${slot}/${i}`, h.values])));
  }
  // Everything is checked: only now are tensors made.
  return restoreTrainState(snapshot);
}
