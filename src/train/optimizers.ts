/**
 * Optimizers as pure functions over tensors: (params, grads, state) → (new params, new state).
 * Nothing is disposed here; the caller (trainStep) disposes what it replaced.
 */
import * as tf from '@tensorflow/tfjs';
import { manualAdamUpdate, manualMomentumUpdate, manualSgdUpdate } from '../../custom-ops/index.js';
import type { OptimizerConfig } from './config.js';

/** Per-parameter slot tensors (same order as the params list) and the step count t. */
export type OptimizerState = { step: number; slots: Record<string, tf.Tensor[]> };

const SLOT_NAMES: Record<OptimizerConfig['kind'], readonly string[]> = {
  sgd: [],
  momentum: ['velocity'],
  adam: ['m', 'v'],
};

export function slotNames(kind: OptimizerConfig['kind']): readonly string[] {
  return SLOT_NAMES[kind];
}

/** Zero slots for each parameter. */
export function initOptimizerState(config: OptimizerConfig, params: readonly tf.Tensor[]): OptimizerState {
  const slots: Record<string, tf.Tensor[]> = {};
  for (const name of SLOT_NAMES[config.kind]) slots[name] = params.map((p) => tf.zerosLike(p));
  return { step: 0, slots };
}

export function disposeOptimizerState(state: OptimizerState): void {
  for (const list of Object.values(state.slots)) tf.dispose(list);
}

type Update = { params: tf.Tensor[]; state: OptimizerState };

/** W ← W − α∇ (one ManualSgdUpdate kernel per parameter). */
function sgd(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  return { params: params.map((w, i) => manualSgdUpdate(w, grads[i], { lr: config.lr })), state: { step: state.step + 1, slots: {} } };
}

/** The homework's momentum: v ← γv + α∇, W ← W − v (one ManualMomentumUpdate kernel per parameter). */
function momentum(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  const hyper = { lr: config.lr, momentum: config.momentum };
  const updates = params.map((w, i) => manualMomentumUpdate(w, grads[i], state.slots.velocity[i], hyper));
  return { params: updates.map((u) => u.param), state: { step: state.step + 1, slots: { velocity: updates.map((u) => u.velocity) } } };
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1): m ← β1m + (1−β1)∇, v ← β2v + (1−β2)∇²,
 * m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), W ← W − α m̂/(√v̂ + ε) (one ManualAdamUpdate kernel per parameter).
 */
function adam(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  const { lr, beta1, beta2, epsilon } = config;
  const t = state.step + 1;
  const updates = params.map((w, i) => manualAdamUpdate(w, grads[i], state.slots.m[i], state.slots.v[i], { lr, beta1, beta2, epsilon, step: t }));
  return { params: updates.map((u) => u.param), state: { step: t, slots: { m: updates.map((u) => u.m), v: updates.map((u) => u.v) } } };
}

const UPDATES = { sgd, momentum, adam } as const;

/** One optimizer update; intermediates are freed by tf.tidy, the returned tensors are new. */
export function optimizerUpdate(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  let step = state.step;
  const kept = tf.tidy(() => {
    const update = UPDATES[config.kind](config, params, grads, state);
    step = update.state.step;
    return { params: update.params, slots: update.state.slots };
  });
  return { params: kept.params, state: { step, slots: kept.slots } };
}
