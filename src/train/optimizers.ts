/**
 * Optimizers as pure functions over tensors: (params, grads, state) → (new params, new state).
 * Nothing is disposed here; the caller (trainStep) disposes what it replaced.
 */
import * as tf from '@tensorflow/tfjs';
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

/** W ← W − α∇. */
function sgd(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  return { params: params.map((w, i) => tf.sub(w, tf.mul(config.lr, grads[i]))), state: { step: state.step + 1, slots: {} } };
}

/** The homework's momentum: v ← γv + α∇, W ← W − v. */
function momentum(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  const velocity = state.slots.velocity.map((v, i) => tf.add(tf.mul(config.momentum, v), tf.mul(config.lr, grads[i])));
  return { params: params.map((w, i) => tf.sub(w, velocity[i])), state: { step: state.step + 1, slots: { velocity } } };
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1): m ← β1m + (1−β1)∇, v ← β2v + (1−β2)∇²,
 * m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), W ← W − α m̂/(√v̂ + ε).
 */
function adam(config: OptimizerConfig, params: readonly tf.Tensor[], grads: readonly tf.Tensor[], state: OptimizerState): Update {
  const { lr, beta1, beta2, epsilon } = config;
  const t = state.step + 1;
  const c1 = 1 / (1 - beta1 ** t);
  const c2 = 1 / (1 - beta2 ** t);
  const m = state.slots.m.map((mi, i) => tf.add(tf.mul(beta1, mi), tf.mul(1 - beta1, grads[i])));
  const v = state.slots.v.map((vi, i) => tf.add(tf.mul(beta2, vi), tf.mul(1 - beta2, tf.square(grads[i]))));
  const next = params.map((w, i) => {
    const mHat = tf.mul(m[i], c1);
    const vHat = tf.mul(v[i], c2);
    return tf.sub(w, tf.div(tf.mul(lr, mHat), tf.add(tf.sqrt(vHat), epsilon)));
  });
  return { params: next, state: { step: t, slots: { m, v } } };
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
