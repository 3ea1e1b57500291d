/**
 * opcheck(kernelName, inputs, { backends }): checks one registered kernel the way
 * torch.library.opcheck checks a custom op — on each of the given backends (which the caller has
 * loaded and registered with tfjs), and against a reference backend (cpu):
 *
 *   registered        a KernelConfig exists for the kernel on the backend
 *   forward vs cpu    outputs agree with the reference backend's (fp32~fp32)
 *   inputs unchanged  the kernel (and its gradient) leave every input's values bit for bit as they were
 *   no leaks          tf.memory().numTensors and the backend's data ids are back where they were
 *                     after the forward pass and after a gradient
 *   saves declared    the GradConfig's inputsToSave / outputsToSave name real inputs and outputs,
 *                     and its gradFunc reads exactly the saved tensors it declares, returns a
 *                     gradient for every input, each of the input's shape
 *   grad vs cpu       the registered gradient (tf.grads through the kernel) agrees with the
 *                     reference backend's (fp32~fp32)
 *   grad vs fd32      the registered gradient agrees with fp32 finite differences of the kernel
 *                     on this backend (gradcheck's fast mode: error-estimated, every coordinate)
 *
 * Every row names its backend, so a kernel broken on one backend only shows up there.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, NamedTensorMap } from '@tensorflow/tfjs-core';
import { gradcheck, type GradcheckOptions } from './gradcheck.js';
import { makeRng, normals } from './random.js';
import { GradcheckError } from './result.js';
import { type CheckRow, compareRow } from './rows.js';
import { FP32_VS_FP32 } from './tolerances.js';

/** One input: its values, shape and dtype (a plain object, so it crosses into a web page). */
export interface KernelInput {
  values: number[] | Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Made as int32 and cast to float32, as the trainer makes one-hot labels (webgl and webgpu keep the int32 storage). */
  fromInt32?: boolean;
}

export interface OpcheckOptions {
  /** Backends to check on, e.g. ['cpu', 'wasm', 'native']; each must be registered with tfjs. */
  backends: string[];
  /** The backend every other is compared with; default 'cpu'. */
  referenceBackend?: string;
  attrs?: NamedAttrMap;
  /** Inputs to differentiate; default every float32 input. */
  wrt?: string[];
  /** false: the kernel has no gradient to check. */
  gradient?: boolean;
  /** Passed to gradcheck for the grad vs fd32 rows (mode, resolution, seed…). */
  gradcheck?: Omit<GradcheckOptions, 'name' | 'inputNames' | 'wrt' | 'reference' | 'raise'>;
  /** Longest reduction inside the kernel (widens the fp32~fp32 floor by √K); default the largest input's size. */
  reductionTerms?: number;
  seed?: number;
  /** Throw a GradcheckError (carrying the result) when a row fails. */
  raise?: boolean;
}

export interface BackendOpcheck {
  backend: string;
  pass: boolean;
  /** One row per check; `name` is "<kernel> [<backend>]". */
  checks: CheckRow[];
}

export interface OpcheckResult {
  kernel: string;
  pass: boolean;
  backends: BackendOpcheck[];
}

type Outputs = Float32Array[];

/** The input as a tensor (call inside tf.tidy: a cast leaves its int32 source behind). */
export function inputTensor(input: KernelInput): tf.Tensor {
  if (input.fromInt32 === true) return tf.cast(tf.tensor(Int32Array.from(input.values), input.shape, 'int32'), 'float32');
  return tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
}

function toTensors(inputs: Record<string, KernelInput>): NamedTensorMap {
  const out: NamedTensorMap = {};
  for (const [name, input] of Object.entries(inputs)) out[name] = tf.tidy(() => inputTensor(input));
  return out;
}

function asList(out: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(out) ? out : [out];
}

function snapshot(tensors: NamedTensorMap): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, t] of Object.entries(tensors)) {
    const values = t.dataSync() as Float32Array | Int32Array;
    out.set(name, new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
  }
  return out;
}

function changedInputs(before: Map<string, Uint8Array>, tensors: NamedTensorMap): string[] {
  const after = snapshot(tensors);
  return [...before].filter(([name, bytes]) => {
    const now = after.get(name)!;
    return now.length !== bytes.length || now.some((b, i) => b !== bytes[i]);
  }).map(([name]) => name);
}

/** A pass/fail row that is not a numeric comparison. */
function verdictRow(name: string, kind: string, pass: boolean, note?: string): CheckRow {
  return { name, kind, maxAbsErr: pass ? 0 : Number.POSITIVE_INFINITY, maxRelErr: pass ? 0 : Number.POSITIVE_INFINITY, tol: 0, pass, checked: 1, total: 1, ...(note === undefined ? {} : { note }) };
}

function memoryMark(): { tensors: number; dataIds: number } {
  return { tensors: tf.memory().numTensors, dataIds: tf.engine().backend.numDataIds() };
}

function leakNote(before: { tensors: number; dataIds: number }, after: { tensors: number; dataIds: number }): string | undefined {
  const tensors = after.tensors - before.tensors;
  const dataIds = after.dataIds - before.dataIds;
  return tensors === 0 && dataIds === 0 ? undefined : `${tensors} tensor(s), ${dataIds} backend data id(s) left behind`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Σ c ⊙ kernel(inputs) differentiated with respect to `wrt` through the registered gradient. */
function gradientValues(kernelName: string, tensors: NamedTensorMap, wrt: string[], attrs: NamedAttrMap | undefined, cotangents: Float32Array[]): Outputs {
  const grads = tf.tidy(() => {
    const f = (...xs: tf.Tensor[]): tf.Scalar => {
      const all: NamedTensorMap = { ...tensors };
      wrt.forEach((name, j) => (all[name] = xs[j]));
      const outs = asList(tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, all, attrs));
      return tf.addN(outs.map((o, n) => tf.sum(tf.mul(o, tf.tensor(cotangents[n], o.shape))))) as tf.Scalar;
    };
    return tf.grads(f)(wrt.map((name) => tensors[name]));
  });
  const values = grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
  tf.dispose(grads);
  return values;
}

/**
 * Runs gradFunc directly on what the GradConfig declares it saves, watching which saved tensors it
 * reads. Returns problems, one short sentence each (empty: it saves exactly what it uses).
 */
function savedTensorProblems(config: GradConfig, kernelName: string, tensors: NamedTensorMap, attrs: NamedAttrMap | undefined): string[] {
  const problems: string[] = [];
  const inputNames = Object.keys(tensors);
  const declaredInputs = config.saveAllInputs ? inputNames : (config.inputsToSave ?? []);
  for (const name of declaredInputs) if (!inputNames.includes(name)) problems.push(`inputsToSave names '${name}', which is not an input of ${kernelName} (inputs: ${inputNames.join(', ')})`);
  tf.tidy(() => {
    const outputs = asList(tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, tensors, attrs));
    const declaredOutputs = config.outputsToSave ?? [];
    if (declaredOutputs.length > outputs.length) problems.push(`outputsToSave has ${declaredOutputs.length} entries, the kernel ${outputs.length} output(s)`);
    const saved = [...declaredInputs.map((name) => tensors[name]), ...outputs.filter((_, i) => declaredOutputs[i] === true)];
    const labels = [...declaredInputs.map((name) => `input '${name}'`), ...declaredOutputs.flatMap((keep, i) => (keep ? [`output ${i}`] : []))];
    const read = new Set<number>();
    const beyond = new Set<number>();
    const watched = new Proxy(saved, {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) {
          const index = Number(property);
          if (index < target.length) read.add(index);
          else beyond.add(index);
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const dy = outputs.length === 1 ? tf.onesLike(outputs[0]) : outputs.map((o) => tf.onesLike(o));
    let grads: Record<string, () => tf.Tensor>;
    try {
      grads = config.gradFunc(dy, watched, attrs ?? {});
    } catch (error) {
      problems.push(`gradFunc threw on the saved tensors it declares: ${firstLine(error)}`);
      return;
    }
    for (const name of inputNames) {
      const thunk = grads[name];
      if (typeof thunk !== 'function') {
        if (tensors[name].dtype === 'float32') problems.push(`gradFunc returns no gradient for input '${name}'`);
        continue;
      }
      try {
        const g = thunk();
        if (!tf.util.arraysEqual(g.shape, tensors[name].shape)) problems.push(`the gradient of '${name}' has shape [${g.shape.join(', ')}], the input [${tensors[name].shape.join(', ')}]`);
      } catch (error) {
        problems.push(`the gradient of '${name}' threw: ${firstLine(error)}`);
      }
    }
    for (const index of beyond) problems.push(`gradFunc reads saved[${index}], but only ${saved.length} tensor(s) are declared (inputsToSave/outputsToSave)`);
    labels.forEach((label, index) => {
      if (!read.has(index)) problems.push(`declares ${label} in its saved tensors but never reads it (memory held for nothing)`);
    });
  });
  return problems;
}

/** What the reference backend computes once: outputs, gradients, cotangents. */
interface Reference {
  outputs: Outputs;
  gradients: Outputs | undefined;
  cotangents: Float32Array[];
  error?: string;
}

function referenceValues(kernelName: string, inputs: Record<string, KernelInput>, wrt: string[], options: OpcheckOptions): Reference {
  const tensors = toTensors(inputs);
  try {
    const outputs = tf.tidy(() => asList(tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, tensors, options.attrs)));
    const values = outputs.map((o) => Float32Array.from(o.dataSync() as Float32Array));
    tf.dispose(outputs);
    const rng = makeRng(options.seed ?? 0, `opcheck-${kernelName}-cotangent`);
    const cotangents = values.map((v) => normals(v.length, rng));
    const gradients = options.gradient === false || wrt.length === 0 ? undefined : gradientValues(kernelName, tensors, wrt, options.attrs, cotangents);
    return { outputs: values, gradients, cotangents };
  } catch (error) {
    return { outputs: [], gradients: undefined, cotangents: [], error: firstLine(error) };
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

function checkOnBackend(kernelName: string, backend: string, inputs: Record<string, KernelInput>, wrt: string[], reference: Reference, options: OpcheckOptions): CheckRow[] {
  const name = `${kernelName} [${backend}]`;
  const rows: CheckRow[] = [];
  const refName = options.referenceBackend ?? 'cpu';
  if (tf.getKernel(kernelName, backend) === undefined) return [verdictRow(name, 'registered', false, `no kernel ${kernelName} is registered for backend ${backend}`)];
  rows.push(verdictRow(name, 'registered', true));
  const largest = Math.max(...Object.values(inputs).map((i) => i.shape.reduce((a, b) => a * b, 1)));
  const reductionTerms = options.reductionTerms ?? largest;

  const tensors = toTensors(inputs);
  try {
    const before = snapshot(tensors);
    // Forward, with its memory and its inputs watched.
    const mark = memoryMark();
    let outputs: Outputs;
    try {
      const outs = asList(tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, tensors, options.attrs));
      outputs = outs.map((o) => Float32Array.from(o.dataSync() as Float32Array));
      tf.dispose(outs);
    } catch (error) {
      rows.push(verdictRow(name, 'forward runs', false, firstLine(error)));
      return rows;
    }
    const forwardLeak = leakNote(mark, memoryMark());
    if (reference.error !== undefined) rows.push(verdictRow(name, `forward vs ${refName}`, false, `the ${refName} kernel failed: ${reference.error}`));
    else if (outputs.length !== reference.outputs.length) rows.push(verdictRow(name, `forward vs ${refName}`, false, `${outputs.length} output(s) here, ${reference.outputs.length} on ${refName}`));
    else outputs.forEach((o, i) => rows.push({ ...compareRow(name, `forward vs ${refName}${outputs.length > 1 ? ` (output ${i})` : ''}`, o, reference.outputs[i], FP32_VS_FP32, { reductionTerms }) }));

    const config = tf.getGradient(kernelName);
    let gradientLeak: string | undefined;
    if (options.gradient !== false && wrt.length > 0) {
      if (config === undefined) {
        rows.push(verdictRow(name, 'gradient registered', false, `no GradConfig is registered for ${kernelName}`));
      } else {
        const problems = savedTensorProblems(config, kernelName, tensors, options.attrs);
        rows.push(verdictRow(name, 'saves declared', problems.length === 0, problems.length === 0 ? undefined : problems.join('; ')));
        const gradMark = memoryMark();
        let gradients: Outputs | undefined;
        try {
          gradients = gradientValues(kernelName, tensors, wrt, options.attrs, reference.cotangents);
        } catch (error) {
          rows.push(verdictRow(name, 'gradient runs', false, firstLine(error)));
        }
        gradientLeak = leakNote(gradMark, memoryMark());
        if (gradients !== undefined && reference.gradients !== undefined) {
          wrt.forEach((input, j) => rows.push(compareRow(`${name} ∂/∂${input}`, `grad vs ${refName}`, gradients[j], reference.gradients![j], FP32_VS_FP32, { reductionTerms })));
        }
        if (gradients !== undefined) {
          const order = Object.keys(tensors);
          const fn = (...xs: tf.Tensor[]): tf.Tensor | tf.Tensor[] => {
            const all: NamedTensorMap = {};
            order.forEach((key, i) => (all[key] = xs[i]));
            return tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, all, options.attrs);
          };
          const result = gradcheck(fn, order.map((key) => tensors[key]), {
            seed: options.seed,
            ...options.gradcheck,
            name,
            inputNames: order,
            wrt: wrt.map((input) => order.indexOf(input)),
          });
          rows.push(...result.rows);
        }
      }
    }
    const changed = changedInputs(before, tensors);
    rows.push(verdictRow(name, 'inputs unchanged', changed.length === 0, changed.length === 0 ? undefined : `the kernel or its gradient wrote into input(s) ${changed.join(', ')}`));
    const leak = [forwardLeak === undefined ? undefined : `forward: ${forwardLeak}`, gradientLeak === undefined ? undefined : `gradient: ${gradientLeak}`].filter((s) => s !== undefined);
    rows.push(verdictRow(name, 'no leaks', leak.length === 0, leak.length === 0 ? undefined : leak.join('; ')));
    return rows;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

function validate(kernelName: string, inputs: Record<string, KernelInput>, options: OpcheckOptions): string[] {
  if (typeof kernelName !== 'string' || kernelName === '') throw new Error('opcheck: kernelName must be a non-empty string');
  const names = Object.keys(inputs);
  if (names.length === 0) throw new Error(`opcheck ${kernelName}: no inputs given`);
  for (const [name, input] of Object.entries(inputs)) {
    const size = input.shape.reduce((a, b) => a * b, 1);
    if (input.values.length !== size) throw new Error(`opcheck ${kernelName}: input '${name}' has ${input.values.length} values for shape [${input.shape.join(', ')}]`);
  }
  if (!Array.isArray(options.backends) || options.backends.length === 0) throw new Error(`opcheck ${kernelName}: options.backends must list at least one backend`);
  const wrt = options.wrt ?? names.filter((name) => (inputs[name].dtype ?? 'float32') === 'float32');
  for (const name of wrt) if (!names.includes(name)) throw new Error(`opcheck ${kernelName}: options.wrt names '${name}', which is not an input (${names.join(', ')})`);
  return wrt;
}

/**
 * Checks `kernelName` on each of options.backends (switching the active backend, and restoring
 * the one active before). A backend that is not registered with tfjs, or that lacks the kernel,
 * gives a failing row that names both.
 */
export async function opcheck(kernelName: string, inputs: Record<string, KernelInput>, options: OpcheckOptions): Promise<OpcheckResult> {
  const wrt = validate(kernelName, inputs, options);
  const previous = tf.getBackend();
  const refName = options.referenceBackend ?? 'cpu';
  const results: BackendOpcheck[] = [];
  try {
    if (!(await tf.setBackend(refName))) throw new Error(`opcheck: the reference backend ${refName} cannot be set`);
    const reference = referenceValues(kernelName, inputs, wrt, options);
    for (const backend of options.backends) {
      let checks: CheckRow[];
      if (tf.findBackendFactory(backend) === null || !(await tf.setBackend(backend))) {
        checks = [verdictRow(`${kernelName} [${backend}]`, 'backend loads', false, `backend ${backend} is not registered with tfjs or failed to initialise`)];
      } else {
        await tf.ready();
        checks = checkOnBackend(kernelName, backend, inputs, wrt, reference, options);
      }
      results.push({ backend, pass: checks.every((r) => r.pass), checks });
    }
  } finally {
    if (previous !== tf.getBackend()) await tf.setBackend(previous);
  }
  const result: OpcheckResult = { kernel: kernelName, pass: results.every((b) => b.pass), backends: results };
  if (options.raise && !result.pass) {
    const failing = results.flatMap((b) => b.checks.filter((r) => !r.pass).map((r) => `${r.name} ${r.kind}${r.note === undefined ? '' : ` (${r.note})`}`));
    throw new GradcheckError(`opcheck ${kernelName} failed: ${failing.join('; ')}`, result);
  }
  return result;
}
