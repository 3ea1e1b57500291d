/**
 * The one format of a saved training state, used by checkpoints (on disk), the page protocol (Node ⇄
 * page) and the benchmark's pipe to numpy. Pure tfjs, so the page bundles it.
 *
 * A TrainSnapshot is a TrainState copied off the backend (host Float32Arrays). Encoded, it is a JSON
 * manifest and two blocks of little-endian float32 values, in the style of tfjs's weights manifest:
 *   params     W_l and b_l as `dense_<l>/kernel` and `dense_<l>/bias`, l = 1..L: the names and order of
 *              the tfjs Layers model (src/train/checkpoint.ts), so this block is that model's weights.bin;
 *   optimizer  the optimizer's slots as `<slot>/<i>`, i running over W_1, b_1, W_2, b_2, …;
 *   manifest   epoch, optimizer step, shuffle-RNG state, metrics history, and both blocks' tensor specs.
 */
import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/errors.js';
import type { MlpParams } from '../model/mlp.js';
import type { EpochMetrics, RngState, TrainState } from './loop.js';

/** A tensor's float32 values on the host, owned by the snapshot (training steps never touch them). */
export type HostTensor = { values: Float32Array; shape: number[] };

export type TrainSnapshot = {
  /** Completed epochs. */
  epoch: number;
  weights: HostTensor[];
  biases: HostTensor[];
  optimizer: { step: number; slots: Record<string, HostTensor[]> };
  rngState: RngState;
  history: EpochMetrics[];
};

/** One tensor of a block: its name, shape and dtype (tfjs's WeightsManifestEntry, float32 only). */
export type TensorSpec = { name: string; shape: number[]; dtype: 'float32' };

export type SnapshotManifest = {
  epoch: number;
  params: TensorSpec[];
  optimizer: { step: number; specs: TensorSpec[] };
  rngState: RngState;
  history: EpochMetrics[];
};

export type EncodedSnapshot = { manifest: SnapshotManifest; params: Uint8Array; optimizer: Uint8Array };

/** The Layers model's name of W_l (`kernel`) or b_l (`bias`), l counted from 0. */
export function paramName(l: number, part: 'kernel' | 'bias'): string {
  return `dense_${l + 1}/${part}`;
}

/** A copy: dataSync() on cpu-based backends returns the tensor's own storage. */
function toHost(t: tf.Tensor): HostTensor {
  return { values: new Float32Array(t.dataSync()), shape: [...t.shape] };
}

/** Copies `state` (which the training loop goes on to dispose or replace) into host memory. */
export function snapshotTrainState(state: TrainState): TrainSnapshot {
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

/** A TrainState with tensors on the active backend; the caller owns (and disposes) them. */
export function restoreTrainState(snapshot: TrainSnapshot): TrainState {
  const params: MlpParams = {
    weights: snapshot.weights.map((h) => tf.tensor2d(h.values, h.shape as [number, number], 'float32')),
    biases: snapshot.biases.map((h) => tf.tensor1d(h.values, 'float32')),
  };
  const slots: Record<string, tf.Tensor[]> = {};
  for (const [slot, list] of Object.entries(snapshot.optimizer.slots)) slots[slot] = list.map((h) => tf.tensor(h.values, h.shape, 'float32'));
  return {
    params,
    optimizerState: { step: snapshot.optimizer.step, slots },
    epoch: snapshot.epoch,
    rngState: structuredClone(snapshot.rngState),
    history: snapshot.history.map((m) => ({ ...m })),
  };
}

/** The tensors concatenated as little-endian float32 (typed arrays are little-endian on every platform tfjs runs on). */
function block(named: [string, HostTensor][]): { specs: TensorSpec[]; bytes: Uint8Array } {
  const total = named.reduce((n, [, h]) => n + h.values.length, 0);
  const values = new Float32Array(total);
  let offset = 0;
  for (const [, h] of named) {
    values.set(h.values, offset);
    offset += h.values.length;
  }
  return { specs: named.map(([name, h]) => ({ name, shape: [...h.shape], dtype: 'float32' })), bytes: new Uint8Array(values.buffer) };
}

function paramEntries(snapshot: TrainSnapshot): [string, HostTensor][] {
  return snapshot.weights.flatMap((w, l): [string, HostTensor][] => [
    [paramName(l, 'kernel'), w],
    [paramName(l, 'bias'), snapshot.biases[l]],
  ]);
}

export function encodeSnapshot(snapshot: TrainSnapshot): EncodedSnapshot {
  const params = block(paramEntries(snapshot));
  const optimizer = block(Object.entries(snapshot.optimizer.slots).flatMap(([slot, list]) => list.map((h, i): [string, HostTensor] => [`${slot}/${i}`, h])));
  return {
    manifest: {
      epoch: snapshot.epoch,
      params: params.specs,
      optimizer: { step: snapshot.optimizer.step, specs: optimizer.specs },
      rngState: snapshot.rngState,
      history: snapshot.history,
    },
    params: params.bytes,
    optimizer: optimizer.bytes,
  };
}

/** Splits a block into its tensors by the specs; `source` names the block in errors. */
function unblock(specs: readonly TensorSpec[], bytes: Uint8Array, source: string): Map<string, HostTensor> {
  const expected = 4 * specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected) throw new DataError(`${source}: ${bytes.byteLength} bytes, but its manifest describes ${expected}`);
  // Copied (new Uint8Array(view) copies; a Node Buffer's slice() would not), so the values are aligned and owned.
  const values = new Float32Array(new Uint8Array(bytes).buffer);
  const out = new Map<string, HostTensor>();
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') throw new DataError(`${source}: tensor ${spec.name} has dtype ${String(spec.dtype)}; a training state holds float32 only`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, { values: values.subarray(offset, offset + size), shape: [...spec.shape] });
    offset += size;
  }
  return out;
}

/**
 * Rebuilds a snapshot from its encoding; `sources` name the params and optimizer blocks (file
 * names, say) in the one-line DataError a mismatch raises.
 */
export function decodeSnapshot(encoded: EncodedSnapshot, sources: { params: string; optimizer: string }): TrainSnapshot {
  const { manifest } = encoded;
  const params = unblock(manifest.params, encoded.params, sources.params);
  const layers = manifest.params.length / 2;
  const weights: HostTensor[] = [];
  const biases: HostTensor[] = [];
  for (let l = 0; l < layers; l++) {
    const w = params.get(paramName(l, 'kernel'));
    const b = params.get(paramName(l, 'bias'));
    if (w === undefined || b === undefined || w.shape.length !== 2 || b.shape.length !== 1 || b.shape[0] !== w.shape[1]) {
      throw new DataError(`${sources.params}: layer ${l + 1} needs ${paramName(l, 'kernel')} (in×out) and ${paramName(l, 'bias')} (out)`);
    }
    weights.push(w);
    biases.push(b);
  }
  const slots: Record<string, HostTensor[]> = {};
  for (const [name, h] of unblock(manifest.optimizer.specs, encoded.optimizer, sources.optimizer)) {
    const match = /^(.+)\/(\d+)$/.exec(name);
    if (match === null) throw new DataError(`${sources.optimizer}: tensor ${name} is not named <slot>/<index>`);
    (slots[match[1]] ??= [])[Number(match[2])] = h;
  }
  return { epoch: manifest.epoch, weights, biases, optimizer: { step: manifest.optimizer.step, slots }, rngState: manifest.rngState, history: manifest.history };
}
