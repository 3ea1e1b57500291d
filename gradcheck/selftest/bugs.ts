/**
 * Planted gradient bugs: generic ones that apply to any function's gradient (a scale error on the
 * whole gradient, one coordinate off or sign-flipped, a zeroed gradient, a transposed one, dy
 * ignored, an off-by-one shift) and each function's own slips (functions.ts). A bug turns a
 * correct Vjp into a wrong one; `plant` wraps the result in tf.customGrad.
 */
import * as tf from '@tensorflow/tfjs';
import type { PlantedFunction, Vjp } from './functions.js';

export interface PlantedBug {
  /** e.g. "scale ×1.001", "coordinate off by 0.1% of max", or a function's own slip. */
  name: string;
  /** The kind, for the per-kind detection table. */
  kind: string;
  /** The smallest relative error the bug makes in the gradient it touches (0.001 for the 0.1% bugs; 1 for gross ones). */
  size: number;
  /** Below the checker's target (0.1 %): reported apart, to show where detection gives out, not counted in the rate. */
  belowTarget?: boolean;
  vjp: Vjp;
}

/** Replaces the gradient of input `target` by what `change` makes of its values. */
function onInput(vjp: Vjp, target: number, change: (values: Float32Array, shape: number[], dy: tf.Tensor) => Float32Array | tf.Tensor): Vjp {
  return (dy, xs, y) => {
    const grads = vjp(dy, xs, y);
    const g = grads[target];
    const changed = change(Float32Array.from(g.dataSync() as ArrayLike<number>), g.shape.slice(), dy);
    grads[target] = changed instanceof tf.Tensor ? changed : tf.tensor(changed, g.shape);
    return grads;
  };
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Generic bugs on input `target`. `pick` (in [0, 1)) chooses the coordinate of the one-coordinate
 * bugs; the sign flip takes the first coordinate at or after it whose |g| is at least 10% of the
 * largest (a flipped zero is no bug), chosen at the first call and kept.
 */
export function genericBugs(fn: PlantedFunction, target: number, pick: number, shape: number[]): PlantedBug[] {
  const size = shape.reduce((a, b) => a * b, 1);
  const index = Math.min(size - 1, Math.floor(pick * size));
  let flipIndex: number | undefined;
  const bugs: PlantedBug[] = [
    { name: 'scale ×1.01', kind: 'scale 1%', size: 0.01, vjp: onInput(fn.vjp, target, (v) => v.map((e) => e * 1.01)) },
    { name: 'scale ×1.001', kind: 'scale 0.1%', size: 0.001, vjp: onInput(fn.vjp, target, (v) => v.map((e) => e * 1.001)) },
    { name: 'scale ×1.0001', kind: 'scale 0.01% (below target)', size: 0.0001, belowTarget: true, vjp: onInput(fn.vjp, target, (v) => v.map((e) => e * 1.0001)) },
    {
      name: 'one coordinate sign-flipped',
      kind: 'sign flip',
      size: 0.2,
      vjp: onInput(fn.vjp, target, (v) => {
        if (flipIndex === undefined) {
          const m = maxAbs(v);
          flipIndex = index;
          for (let j = 0; j < v.length; j++) {
            const i = (index + j) % v.length;
            if (Math.abs(v[i]) >= 0.1 * m) {
              flipIndex = i;
              break;
            }
          }
        }
        v[flipIndex] = -v[flipIndex];
        return v;
      }),
    },
    {
      name: 'one coordinate off by 1% of max|g|',
      kind: 'coordinate 1%',
      size: 0.01,
      vjp: onInput(fn.vjp, target, (v) => {
        v[index] += 0.01 * maxAbs(v);
        return v;
      }),
    },
    {
      name: 'one coordinate off by 0.1% of max|g|',
      kind: 'coordinate 0.1%',
      size: 0.001,
      vjp: onInput(fn.vjp, target, (v) => {
        v[index] += 0.001 * maxAbs(v);
        return v;
      }),
    },
    {
      name: 'one coordinate off by 0.01% of max|g|',
      kind: 'coordinate 0.01% (below target)',
      size: 0.0001,
      belowTarget: true,
      vjp: onInput(fn.vjp, target, (v) => {
        v[index] += 0.0001 * maxAbs(v);
        return v;
      }),
    },
    { name: 'gradient zeroed', kind: 'zeroed', size: 1, vjp: onInput(fn.vjp, target, (v) => v.fill(0)) },
    {
      name: 'shifted by one element',
      kind: 'off by one',
      size: 1,
      vjp: onInput(fn.vjp, target, (v) => {
        const out = new Float32Array(v.length);
        for (let i = 1; i < v.length; i++) out[i] = v[i - 1];
        return out;
      }),
    },
    {
      name: 'dy ignored (as if dy = 1)',
      kind: 'dy ignored',
      size: 1,
      vjp: (dy, xs, y) => fn.vjp(tf.onesLike(dy), xs, y),
    },
  ];
  if (shape.length === 2 && shape[0] === shape[1]) {
    bugs.push({ name: 'gradient transposed', kind: 'transposed', size: 1, vjp: onInput(fn.vjp, target, (v, s) => tf.transpose(tf.tensor(v, s))) });
  }
  for (const [name, vjp] of Object.entries(fn.slips)) bugs.push({ name, kind: 'function-specific slip', size: 1, vjp });
  return bugs;
}

/** fn with the given gradient, as tf.customGrad (the inputs and the output are saved for it). */
export function plant(fn: PlantedFunction, vjp: Vjp): (...xs: tf.Tensor[]) => tf.Tensor {
  const custom = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, -1) as tf.Tensor[];
    const y = fn.forward(...xs);
    save([...xs, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => vjp(dy as tf.Tensor, saved.slice(0, -1), saved[saved.length - 1]),
    };
  });
  return (...xs: tf.Tensor[]) => custom(...xs);
}
