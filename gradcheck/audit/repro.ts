/**
 * The smallest code that shows a confirmed failure in tfjs, ready to paste into an issue: for an
 * elementwise op, tf.grad (nested once for second order) at the one failing scalar; otherwise the
 * case's inputs, upstream gradient and second-order direction written out, and the one element.
 */
import * as tf from '@tensorflow/tfjs';
import type { AuditCase } from './cases.js';
import { caseCotangents, type Values } from './inputs.js';
import type { FailurePoint } from './result.js';
import { firstLine, fp32Literal, showValue } from './text.js';
import { scalarDerivatives64 } from './twins.js';

function literal(name: string, v: { data: ArrayLike<number>; shape: number[]; dtype: tf.DataType }): string {
  const values = Array.from(v.data, (x) => (v.dtype === 'bool' ? String(x !== 0) : fp32Literal(x)));
  const dtype = v.dtype === 'float32' ? '' : `, '${v.dtype}'`;
  return `const ${name} = tf.tensor([${values.join(', ')}], [${v.shape.join(', ')}]${dtype});`;
}

const header = (backend: string): string[] => [`import * as tf from '@tensorflow/tfjs'; // ${tf.version.tfjs ?? tf.version_core}`, `await tf.setBackend('${backend}');`];

const element = (coordinate: number[]): string => coordinate.map((i) => `[${i}]`).join('');

type Outcome = { value: number } | { error: string };

/** Runs `compute` (tfjs's public API, as the printed code does) and says what it prints. */
function outcome(compute: () => number): Outcome {
  try {
    return { value: tf.tidy(compute) };
  } catch (error) {
    return { error: firstLine(error) };
  }
}

function comment(result: Outcome, reference: number, referenceKind: string, what: string): string {
  const tfjs = 'value' in result ? `tfjs: ${showValue(result.value)}` : `tfjs throws "${result.error}"`;
  // NaN: no reference value, only what is expected (a gradient of the input's shape, say).
  return Number.isNaN(reference) ? `// ${tfjs}; expected ${referenceKind}` : `// ${tfjs}; ${referenceKind}: ${showValue(reference)} (${what})`;
}

const shows = (result: Outcome, expected: { value: number; error: number }): boolean =>
  !('value' in result) || !Number.isFinite(result.value) || Math.abs(result.value - expected.value) > 1e-4 * Math.max(Math.abs(result.value), Math.abs(expected.value), 1e-6) + 4 * expected.error;

/** f′ or f″ at one scalar, by tf.grad (nested for f″); undefined when that scalar does not show the failure. */
function scalarReproduction(c: AuditCase, order: 1 | 2, x0: number): string | undefined {
  const reference = scalarDerivatives64(c.elementwise!, x0);
  const expected = order === 1 ? reference.first : reference.second;
  const result = outcome(() => {
    const g1 = tf.grad((x: tf.Tensor) => c.fn(x) as tf.Tensor);
    const g = order === 1 ? g1 : tf.grad((x: tf.Tensor) => g1(x));
    return g(tf.scalar(x0)).dataSync()[0];
  });
  if (!shows(result, expected)) return undefined;
  const d = order === 1 ? `tf.grad((x) => ${c.call})` : `tf.grad(tf.grad((x) => ${c.call}))`;
  return [...header(tf.getBackend()), `const x = tf.scalar(${fp32Literal(x0)});`, `console.log(${d}(x).dataSync()[0]);`, comment(result, expected.value, 'float64', `${order === 1 ? 'first' : 'second'} derivative of ${c.call}`)].join('\n');
}

/**
 * Reproduction of `failure` for case c at `order` on the active backend. `values` are the case's
 * inputs, `outputShapes` the shapes of the op's outputs on them.
 */
export function reproduction(c: AuditCase, order: 1 | 2, values: Values[], wrt: number[], seed: number, outputShapes: number[][] | undefined, failure: FailurePoint | undefined): string | undefined {
  if (failure === undefined || outputShapes === undefined) return undefined;
  if (c.elementwise !== undefined && values.length === 1 && !failure.quantity.includes('dy')) {
    const index = failure.coordinate.reduce((flat, i, d) => flat * values[0].shape[d] + i, 0);
    const scalar = scalarReproduction(c, order, values[0].data[index]);
    if (scalar !== undefined) return scalar;
  }
  const names = c.inputs.map((i) => i.name);
  const args = wrt.map((k) => names[k]);
  const { dy, c: direction } = caseCotangents(c, seed, outputShapes, wrt, order);
  const shapes = outputShapes;
  if (shapes.length !== 1 && order === 2) return undefined;
  const j = failure.quantityIndex;
  const flat = failure.coordinate.reduce((acc, i, d) => acc * (j < wrt.length ? c.inputs[wrt[j]].shape : shapes[0])[d] + i, 0);
  // What the printed code computes, through the same public API.
  const result = outcome(() => {
    const xs = values.map((v) => tf.tensor(v.data, v.shape, v.dtype));
    const f = (...chosen: tf.Tensor[]): tf.Tensor[] => {
      const all = xs.slice();
      wrt.forEach((k, m) => (all[k] = chosen[m]));
      const out = c.fn(...all);
      return Array.isArray(out) ? out : [out];
    };
    const dys = dy.map((d, o) => tf.tensor(d, shapes[o], 'float32'));
    const sources = wrt.map((k) => xs[k]);
    if (order === 1) {
      const gs = shapes.length === 1 ? tf.grads((...a: tf.Tensor[]) => f(...a)[0])(sources, dys[0]) : tf.grads((...a: tf.Tensor[]) => tf.addN(f(...a).map((y, o) => tf.sum(tf.mul(y, dys[o])))))(sources);
      return gs[j].dataSync()[flat];
    }
    const cs = direction.map((v, m) => tf.tensor(v, c.inputs[wrt[m]].shape, 'float32'));
    const g = (...a: tf.Tensor[]): tf.Tensor =>
      tf.addN(
        tf
          .grads((...b: tf.Tensor[]) => f(...b)[0])(a.slice(0, -1), a[a.length - 1])
          .map((gk, k) => tf.sum(tf.mul(gk, cs[k]))),
      );
    return tf.grads(g)([...sources, dys[0]])[j].dataSync()[flat];
  });
  const lines = [...header(tf.getBackend()), ...values.map((v, k) => literal(names[k], v))];
  lines.push(shapes.length === 1 ? literal('dy', { data: dy[0], shape: shapes[0], dtype: 'float32' }) : `const dy = [${dy.map((d, o) => `tf.tensor([${Array.from(d, fp32Literal).join(', ')}], [${shapes[o].join(', ')}])`).join(', ')}];`);
  lines.push(`const f = (${args.join(', ')}) => ${c.call};`);
  // The gradient of Σ dy ⊙ f: tf.grads(f)(xs, dy) for one output, of the weighted sum for several.
  const vjp = shapes.length === 1 ? `tf.grads(f)([${args.join(', ')}], dy)` : `tf.grads((${args.join(', ')}) => tf.addN(f(${args.join(', ')}).map((y, o) => tf.sum(tf.mul(y, dy[o])))))([${args.join(', ')}])`;
  const at = element(failure.coordinate);
  const what = `${order === 1 ? 'first' : 'second'}-order ${failure.quantity.replace('2nd order ', '')} at ${at}`;
  const note = comment(result, failure.reference, failure.referenceKind, what);
  if (order === 1) {
    lines.push(`const grads = ${vjp};`);
    lines.push(`console.log(grads[${j}].arraySync()${at}); ${note}`);
    return lines.join('\n');
  }
  lines.push(`const c = [${direction.map((v, m) => `tf.tensor([${Array.from(v, fp32Literal).join(', ')}], [${c.inputs[wrt[m]].shape.join(', ')}])`).join(', ')}];`);
  lines.push(`const g = (${[...args, 'up'].join(', ')}) => tf.addN(${vjp.replace(/\bdy\b/g, 'up')}.map((gk, k) => tf.sum(tf.mul(gk, c[k]))));`);
  lines.push(`const second = tf.grads(g)([${[...args, 'dy'].join(', ')}]);`);
  lines.push(`console.log(second[${j}].arraySync()${at}); ${note}`);
  return lines.join('\n');
}

/** The op's own value at one output coordinate, beside the reference's. */
export function forwardReproduction(c: AuditCase, values: Values[], failure: FailurePoint | undefined): string | undefined {
  if (failure === undefined) return undefined;
  const names = c.inputs.map((i) => i.name);
  const result = outcome(() => {
    const xs = values.map((v) => tf.tensor(v.data, v.shape, v.dtype));
    const out = c.fn(...xs);
    const y = Array.isArray(out) ? out[0] : out;
    return y.dataSync()[failure.coordinate.reduce((acc, i, d) => acc * y.shape[d] + i, 0)];
  });
  const at = element(failure.coordinate);
  return [...header(tf.getBackend()), ...values.map((v, k) => literal(names[k], v)), `console.log(${c.call}.arraySync()${at}); ${comment(result, failure.reference, failure.referenceKind, `forward value at ${at}`)}`].join('\n');
}
