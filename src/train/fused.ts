/**
 * The fused fast path: on a backend that offers a fused MLP trainer (the native backend's
 * `fusedMlpTrainer`), each mini-batch step — gather the rows, forward, loss, the hand-derived backprop,
 * the optimizer's update — is one call on parameter and slot arrays the trainer updates in place, and
 * each evaluation is one call per split, with no tfjs kernel per operation. The per-kernel path
 * (trainStep) stays the reference: the fused one computes the same products, loss, gradients and
 * updates with the same native functions, so the numbers agree to fp32 summation order.
 *
 * Tensors appear only at the edges of an epoch: the state's tensors are copied into the arrays when the
 * epoch starts, and new tensors are made from them when it ends (or stops), for the hooks, checkpoints
 * and the caller. Pure tfjs: the backend is found by the method it offers, nothing of it is imported.
 */
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/dataset.js';
import type { MlpParams } from '../model/mlp.js';
import { offersFusedTrainer, type FusedMlpBackend, type FusedMlpTrainer } from '../../custom-ops/util/fused_mlp_spec.js';
import type { TrainConfig } from './config.js';
import { disposeOptimizerState, slotNames, type OptimizerState } from './optimizers.js';
import { paramList, paramsFromList } from './step.js';

/**
 * A fused trainer handed back by a finished run, per training set, taken by the next run on it with the
 * same backend, layers and optimizer: a caller that runs trainEpochs one epoch at a time (the benchmark)
 * keeps the trainer's workspace (a full batch's activations: tens of MB) instead of faulting in a new
 * one. Taken, not shared: two runs at once on one training set get a trainer each.
 */
const idleTrainers = new WeakMap<Split, FusedMlp>();

/** Parameters and slots held as arrays by a fused trainer, moved to and from the training state's tensors. */
export class FusedMlp {
  private constructor(
    private config: TrainConfig,
    private readonly backend: FusedMlpBackend,
    private readonly trainRows: Split,
    private readonly trainer: FusedMlpTrainer,
    private readonly params: Float32Array[],
    private readonly slots: Float32Array[][],
    private readonly shapes: number[][],
  ) {}

  /**
   * The fused path for this run, or null when the per-kernel path must run: the active backend offers
   * no fused trainer, or the run asks for autodiff gradients (tf.grads, which only the per-kernel path takes).
   */
  static forRun(config: TrainConfig, trainRows: Split): FusedMlp | null {
    const backend = tf.backend();
    if (config.grad !== 'manual' || !offersFusedTrainer(backend)) return null;
    const idle = idleTrainers.get(trainRows);
    if (idle !== undefined && idle.fits(backend, config)) {
      idleTrainers.delete(trainRows);
      // Each epoch loads the state's values first; only the hyperparameters may differ.
      idle.config = config;
      return idle;
    }
    const sizes = config.layers;
    const shapes = sizes.slice(1).flatMap((out, l) => [[sizes[l], out], [out]]);
    const arrays = (): Float32Array[] => shapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
    const params = arrays();
    const slots = slotNames(config.optimizer.kind).map(arrays);
    const trainer = backend.fusedMlpTrainer({ sizes, params, slots, trainX: trainRows.x, trainLabels: trainRows.labels });
    return new FusedMlp(config, backend, trainRows, trainer, params, slots, shapes);
  }

  private fits(backend: FusedMlpBackend, config: TrainConfig): boolean {
    return backend === this.backend && config.layers.join(',') === this.config.layers.join(',') && config.optimizer.kind === this.config.optimizer.kind;
  }

  /** The run is over: the next run on the same training set may take this trainer (see idleTrainers). */
  release(): void {
    idleTrainers.set(this.trainRows, this);
  }

  /** Copies the state's parameters and slots into the trainer's arrays. */
  load(params: MlpParams, optimizerState: OptimizerState): void {
    paramList(params).forEach((t, i) => this.params[i].set(t.dataSync()));
    slotNames(this.config.optimizer.kind).forEach((name, s) => optimizerState.slots[name].forEach((t, i) => this.slots[s][i].set(t.dataSync())));
    this.trainer.takeArrays?.();
  }

  /** Disposes the state's parameters and slots and returns new tensors with the trainer's values (the caller owns them). */
  replace(params: MlpParams, optimizerState: OptimizerState, step: number): { params: MlpParams; optimizerState: OptimizerState } {
    this.trainer.writeArrays?.();
    tf.dispose(paramList(params));
    disposeOptimizerState(optimizerState);
    // slice(): cpu-storage backends adopt the array they are given, and these go on being updated.
    const tensors = (arrays: Float32Array[]): tf.Tensor[] => arrays.map((a, i) => tf.tensor(a.slice(), this.shapes[i], 'float32'));
    const slots: Record<string, tf.Tensor[]> = {};
    slotNames(this.config.optimizer.kind).forEach((name, s) => (slots[name] = tensors(this.slots[s])));
    return { params: paramsFromList(tensors(this.params)), optimizerState: { step, slots } };
  }

  /** Optimizer step t on training rows indices[begin..end) (null: rows begin..end). */
  step(indices: Int32Array | null, begin: number, end: number, t: number): { loss: number; hits: number } {
    return this.trainer.step(indices, begin, end, this.config.optimizer, t);
  }

  /** Mean cross-entropy and accuracy of each consecutive row range of x (range i ends at row ends[i]) at the trainer's parameters. */
  evaluateRanges(rows: { x: Float32Array; labels: Int32Array }, ends: readonly number[], chunk: number): { loss: number; acc: number }[] {
    const features = this.config.layers[0];
    return ends.map((end, i) => {
      const start = i === 0 ? 0 : ends[i - 1];
      const { lossSum, hits } = this.trainer.evaluate(rows.x.subarray(start * features, end * features), rows.labels.subarray(start, end), chunk);
      return { loss: lossSum / (end - start), acc: hits / (end - start) };
    });
  }
}
