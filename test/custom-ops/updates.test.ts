/**
 * The fused optimizer updates (ManualSgdUpdate, ManualMomentumUpdate, ManualAdamUpdate) on every
 * backend: against the same update composed of tfjs ops, against tf.train's optimizers over several
 * steps, the error when a backend lacks them, and their input checks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ManualAdamUpdate,
  ManualMomentumUpdate,
  ManualSgdUpdate,
  manualAdamUpdate,
  manualMomentumUpdate,
  manualSgdUpdate,
  registerCustomOps,
} from '../../custom-ops/index.js';
import { BACKEND_ROWS, activate, expectClose, expectNoLeak, randn } from './helpers.js';

const SHAPES: number[][] = [[7], [33, 17], [2, 3, 5], [784, 256]];
const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * The updates written as chains of tfjs ops (each op rounds to float32). W' = W − Δ cancels where W
 * and Δ nearly agree, so two fp32 evaluations agree to ~ε32 of |W| + |Δ|, not of W': each result
 * comes with that term scale for expectClose (the 1e-5 bound itself is unchanged).
 */
const composed = {
  sgd: (w: Tensor, g: Tensor, lr: number) => tf.tidy(() => ({ param: tf.sub(w, tf.mul(lr, g)), paramTerms: terms(w, tf.mul(lr, g)) })),
  momentum: (w: Tensor, g: Tensor, v: Tensor, lr: number, gamma: number) => tf.tidy(() => {
    const velocity = tf.add(tf.mul(gamma, v), tf.mul(lr, g));
    return { param: tf.sub(w, velocity), velocity, paramTerms: terms(w, velocity), velocityTerms: terms(tf.mul(gamma, v), tf.mul(lr, g)) };
  }),
  adam: (w: Tensor, g: Tensor, m: Tensor, v: Tensor, step: number) => tf.tidy(() => {
    const { lr, beta1, beta2, epsilon } = ADAM;
    const mNew = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
    const vNew = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
    const mHat = tf.div(mNew, 1 - beta1 ** step);
    const vHat = tf.div(vNew, 1 - beta2 ** step);
    const delta = tf.div(tf.mul(lr, mHat), tf.add(tf.sqrt(vHat), epsilon));
    return { param: tf.sub(w, delta), m: mNew, v: vNew, paramTerms: terms(w, delta), mTerms: terms(tf.mul(beta1, m), tf.mul(1 - beta1, g)) };
  }),
};

/** |a| + |b|, the size of the terms of a ± b. */
function terms(a: Tensor, b: Tensor): Tensor {
  return tf.add(tf.abs(a), tf.abs(b));
}

/** Gradients spanning several decades (Adam divides by √v̂, so small ones matter) and slots of a running optimizer. */
function inputs(shape: number[], seed: number): { w: Tensor; g: Tensor; m: Tensor; v: Tensor } {
  return tf.tidy(() => ({
    w: randn(shape, seed, 0.1),
    g: tf.mul(randn(shape, seed + 1), tf.pow(10, tf.randomUniform(shape, -4, 0, 'float32', seed + 2))),
    m: randn(shape, seed + 3, 1e-3),
    v: tf.mul(tf.square(randn(shape, seed + 4)), 1e-5),
  }));
}

describe.each(BACKEND_ROWS)('optimizer update kernels on %s', (_title, probe) => {
  describe.skipIf(!probe.available)('', () => {
    beforeAll(async () => {
      await activate(probe.name);
      registerCustomOps();
    });

    it.each(SHAPES)('manualSgdUpdate equals W − α·∇ composed of tfjs ops, shape %j', (...shape) => {
      const { w, g, m, v } = inputs(shape, 10);
      const want = composed.sgd(w, g, 0.1);
      expectClose(manualSgdUpdate(w, g, { lr: 0.1 }), want.param, 'W', want.paramTerms);
      tf.dispose([w, g, m, v]);
    });

    it.each(SHAPES)('manualMomentumUpdate equals v′ = γv + α∇, W′ = W − v′ composed of tfjs ops, shape %j', (...shape) => {
      const { w, g, m } = inputs(shape, 20);
      const got = manualMomentumUpdate(w, g, m, { lr: 0.1, momentum: 0.9 });
      const want = composed.momentum(w, g, m, 0.1, 0.9);
      expectClose(got.velocity, want.velocity, 'velocity', want.velocityTerms);
      expectClose(got.param, want.param, 'W', want.paramTerms);
      tf.dispose([w, g, m]);
    });

    it.each(SHAPES)('manualAdamUpdate equals Adam composed of tfjs ops at steps 1 and 50, shape %j', (...shape) => {
      const { w, g, m, v } = inputs(shape, 30);
      for (const step of [1, 50]) {
        const got = manualAdamUpdate(w, g, m, v, { ...ADAM, step });
        const want = composed.adam(w, g, m, v, step);
        expectClose(got.m, want.m, `m step ${step}`, want.mTerms);
        expectClose(got.v, want.v, `v step ${step}`);
        expectClose(got.param, want.param, `W step ${step}`, want.paramTerms);
      }
      tf.dispose([w, g, m, v]);
    });

    it('the inputs are left as they were (the updates write new tensors)', () => {
      const { w, g, m, v } = inputs([5, 4], 40);
      const before = [w, g, m, v].map((t) => Array.from(t.dataSync()));
      const out = manualAdamUpdate(w, g, m, v, { ...ADAM, step: 3 });
      const momentum = manualMomentumUpdate(w, g, m, { lr: 0.5, momentum: 0.5 });
      const sgd = manualSgdUpdate(w, g, { lr: 0.5 });
      expect([w, g, m, v].map((t) => Array.from(t.dataSync()))).toEqual(before);
      expect(Array.from(out.param.dataSync())).not.toEqual(before[0]);
      tf.dispose([w, g, m, v, out.param, out.m, out.v, momentum.param, momentum.velocity, sgd]);
    });

    /**
     * The parameter after five updates by tf.train's optimizer and by ours, on the same gradient
     * sequence, and the term scale |W_0| + Σ_t |W_t − W_{t−1}| of that sum.
     */
    function trajectories(optimizer: tf.Optimizer, ours: (w: Tensor, g: Tensor, slots: Tensor[], step: number) => { w: Tensor; slots: Tensor[] }, slotCount: number) {
      const shape = [31, 9];
      const variable = tf.variable(randn(shape, 50, 0.1));
      let w: Tensor = variable.clone();
      let slots = Array.from({ length: slotCount }, () => tf.zeros(shape));
      let termScale = tf.abs(w);
      for (let step = 1; step <= 5; step++) {
        const g = tf.tidy(() => tf.mul(randn(shape, 60 + step), 1e-2 * step));
        optimizer.applyGradients({ [variable.name]: g });
        const next = ours(w, g, slots, step);
        const grown = tf.tidy(() => tf.add(termScale, tf.abs(tf.sub(next.w, w))));
        tf.dispose([w, g, termScale, ...slots]);
        termScale = grown;
        w = next.w;
        slots = next.slots;
      }
      const result = { tfTrain: variable.clone(), ours: w, termScale };
      tf.dispose([variable, ...slots]);
      optimizer.dispose();
      return result;
    }

    it('five steps equal tf.train.sgd, tf.train.momentum (whose accumulator is v/α) and tf.train.adam', () => {
      const sgd = trajectories(tf.train.sgd(0.3), (w, g, _s, _t) => ({ w: manualSgdUpdate(w, g, { lr: 0.3 }), slots: [] }), 0);
      expectClose(sgd.ours, sgd.tfTrain, 'sgd', sgd.termScale);
      const momentum = trajectories(tf.train.momentum(0.3, 0.9), (w, g, [v]) => {
        const u = manualMomentumUpdate(w, g, v, { lr: 0.3, momentum: 0.9 });
        return { w: u.param, slots: [u.velocity] };
      }, 1);
      expectClose(momentum.ours, momentum.tfTrain, 'momentum', momentum.termScale);
      const adam = trajectories(tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon), (w, g, [m, v], step) => {
        const u = manualAdamUpdate(w, g, m, v, { ...ADAM, step });
        return { w: u.param, slots: [u.m, u.v] };
      }, 2);
      expectClose(adam.ours, adam.tfTrain, 'adam', adam.termScale);
    });

    it('a backend without the kernels is an error naming kernel and backend (no composed fallback); back, they give the same update', () => {
      const { w, g, m, v } = inputs([6, 5], 70);
      const before = manualAdamUpdate(w, g, m, v, { ...ADAM, step: 2 });
      const configs = [ManualSgdUpdate, ManualMomentumUpdate, ManualAdamUpdate].map((name) => tf.getKernel(name, probe.name));
      for (const config of configs) tf.unregisterKernel(config.kernelName, config.backendName);
      try {
        expectNoLeak(() => {
          expect(() => manualSgdUpdate(w, g, { lr: 0.1 })).toThrow(`Kernel 'ManualSgdUpdate' not registered for backend '${probe.name}'`);
          expect(() => manualMomentumUpdate(w, g, m, { lr: 0.1, momentum: 0.9 })).toThrow(`Kernel 'ManualMomentumUpdate' not registered for backend '${probe.name}'`);
          expect(() => manualAdamUpdate(w, g, m, v, { ...ADAM, step: 2 })).toThrow(`Kernel 'ManualAdamUpdate' not registered for backend '${probe.name}'`);
        });
      } finally {
        for (const config of configs) tf.registerKernel(config);
      }
      const after = manualAdamUpdate(w, g, m, v, { ...ADAM, step: 2 });
      for (const key of ['param', 'm', 'v'] as const) expect(after[key].dataSync(), key).toEqual(before[key].dataSync());
      const adam = composed.adam(w, g, m, v, 2);
      expectClose(after.param, adam.param, 'Adam W', adam.paramTerms);
      tf.dispose([adam.m, adam.v, adam.mTerms]);
      const sgd = composed.sgd(w, g, 0.1);
      expectClose(manualSgdUpdate(w, g, { lr: 0.1 }), sgd.param, 'sgd W', sgd.paramTerms);
      tf.dispose([w, g, m, v, before.param, before.m, before.v, after.m, after.v]);
    });

    it('mismatched shapes, int32 inputs and bad hyperparameters are rejected, naming them, with no tensor leaked', () => {
      const w = tf.zeros([2, 3]);
      const g = tf.zeros([3, 2]);
      const ints = tf.zeros([2, 3], 'int32');
      expectNoLeak(() => {
        expect(() => manualSgdUpdate(w, g, { lr: 0.1 })).toThrow("manualSgdUpdate: argument 'grad' has shape [3,2] but 'param' has shape [2,3]");
        expect(() => manualMomentumUpdate(w, w, ints, { lr: 0.1, momentum: 0.9 })).toThrow("manualMomentumUpdate: argument 'velocity' must be float32 but has dtype int32");
        expect(() => manualAdamUpdate(w, w, w, g, { ...ADAM, step: 1 })).toThrow("manualAdamUpdate: argument 'v' has shape [3,2] but 'param' has shape [2,3]");
        expect(() => manualAdamUpdate(w, w, w, w, { ...ADAM, step: 0 })).toThrow("manualAdamUpdate: attr 'step' must be an integer >= 1, got 0");
        expect(() => manualSgdUpdate(w, w, { lr: Number.NaN })).toThrow("manualSgdUpdate: attr 'lr' must be a finite number, got NaN");
        // The kernels check for themselves when reached through runKernel.
        expect(() => tf.engine().runKernel(ManualAdamUpdate, { param: w, grad: w, m: w, v: g }, { ...ADAM, step: 1 })).toThrow(
          "ManualAdamUpdate: input 'v' has shape [3,2] but 'param' has shape [2,3]",
        );
        expect(() => tf.engine().runKernel(ManualMomentumUpdate, { param: w, grad: w, velocity: w }, { lr: 0.1 })).toThrow(
          "ManualMomentumUpdate: attr 'momentum' must be a finite number, got undefined",
        );
      });
      tf.dispose([w, g, ints]);
    });

    it('the updates leak no tensors', () => {
      const { w, g, m, v } = inputs([4, 4], 80);
      expectNoLeak(() => {
        const a = manualAdamUpdate(w, g, m, v, { ...ADAM, step: 1 });
        const b = manualMomentumUpdate(w, g, m, { lr: 0.1, momentum: 0.9 });
        tf.dispose([a.param, a.m, a.v, b.param, b.velocity, manualSgdUpdate([1, 2], [3, 4], { lr: 0.5 })]);
      });
      tf.dispose([w, g, m, v]);
    });
  });
});
