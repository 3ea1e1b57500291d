/** A case's seeded inputs and cotangents: the same numbers on every backend, and in the reproductions. */
import type * as tf from '@tensorflow/tfjs';
import { makeRng, normals } from '../random.js';
import { type AuditCase, type AuditInput, caseLabel } from './cases.js';

export interface Values {
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: tf.DataType;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function inputValues(input: AuditInput, seed: number, stream: string): Values {
  const n = size(input.shape);
  if (input.values !== undefined) return { data: input.dtype === 'float32' ? Float32Array.from(input.values) : Int32Array.from(input.values), shape: input.shape, dtype: input.dtype };
  const rng = makeRng(seed, stream);
  const u = (): number => rng();
  const d = input.domain;
  const draw: () => number =
    d === 'normal'
      ? (): number => normals(1, rng)[0]
      : d === 'nonzero'
        ? (): number => (u() < 0.5 ? -1 : 1) * (0.3 + 1.7 * u())
        : d === 'offInteger'
          ? (): number => Math.floor(4 * u()) - 2 + 0.25 + 0.5 * u()
          : d === 'nearInteger'
            ? (): number => Math.floor(4 * u()) - 2 + 0.5 * (u() - 0.5)
            : (): number => d[0] + (d[1] - d[0]) * u();
  return { data: Float32Array.from({ length: n }, draw), shape: input.shape, dtype: 'float32' };
}

/** The inputs of a case, seeded by its label and the input's name (the same on every backend). */
export function caseValues(c: AuditCase, seed: number): Values[] {
  return c.inputs.map((input) => inputValues(input, seed, `audit-${caseLabel(c)}-${input.name}`));
}

export function caseWrt(c: AuditCase): number[] {
  return c.wrt ?? c.inputs.flatMap((input, i) => (input.dtype === 'float32' ? [i] : []));
}

/**
 * The cotangents of the quantities at `order`, drawn exactly as gradcheck and gradgradcheck draw
 * theirs for a check named caseLabel(c) (fd32/scalarize.ts, gradgradcheck.ts), so that the fp32
 * check, the float64 twin, tfjs's values and the reproductions all concern one quantity:
 * order 1: dy per output; order 2: the upstream dy per output and the direction c per differentiated input.
 */
export function caseCotangents(c: AuditCase, seed: number, outputShapes: number[][], wrt: number[], order: 1 | 2): { dy: Float32Array[]; c: Float32Array[] } {
  const name = caseLabel(c);
  if (order === 1) {
    const rng = makeRng(seed, `${name}-cotangent`);
    return { dy: outputShapes.map((s) => normals(size(s), rng)), c: [] };
  }
  const upstream = makeRng(seed, `${name}-gradgrad-upstream`);
  const direction = makeRng(seed, `${name} 2nd order-cotangent`);
  return { dy: outputShapes.map((s) => normals(size(s), upstream)), c: wrt.map((k) => normals(size(c.inputs[k].shape), direction)) };
}
