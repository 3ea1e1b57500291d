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

/** The upstream dy (per output) and second-order direction c (per differentiated input) of the quantities. */
export function caseCotangents(c: AuditCase, seed: number, outputShapes: number[][], wrt: number[]): { dy: Float32Array[]; c: Float32Array[] } {
  const rng = makeRng(seed, `audit-${caseLabel(c)}-cotangents`);
  return { dy: outputShapes.map((s) => normals(size(s), rng)), c: wrt.map((k) => normals(size(c.inputs[k].shape), rng)) };
}
