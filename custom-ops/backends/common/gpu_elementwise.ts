/**
 * The elementwise program factory of the GPU backends (tfjs-backend-webgl's UnaryOpProgram and
 * tfjs-backend-webgpu's BinaryOpProgram, for any arity): an op is the body of one function of its
 * inputs and uniforms, once in GLSL (webgl) and once in WGSL (webgpu); the factory wraps it in a
 * program that runs it once per output element. Inputs and output share one shape.
 *
 * In the body, each input is a float parameter named as the input with a lower-case first letter
 * (`Dy` → `dy`), each uniform a float parameter of its own name. WGSL lets a compiler assume floats
 * are never NaN, so a WGSL body tests NaN with the backend's isnan() and returns `uniforms.NAN`.
 */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type ElementwiseOp = {
  /** Unique among handgrad's ops: the webgpu pipeline cache key. */
  name: string;
  inputs: readonly string[];
  uniforms?: readonly string[];
  glsl: string;
  wgsl: string;
};

/** One body for both languages (arithmetic that GLSL and WGSL spell alike). */
const sameInBoth = (body: string): { glsl: string; wgsl: string } => ({ glsl: body, wgsl: body });

/** y = max(0, x). webgl: NaN compares false, so NaN gives 0; webgpu: NaN stays NaN, as tf.relu. */
export const RELU: ElementwiseOp = {
  name: 'relu',
  inputs: ['X'],
  glsl: 'return x > 0.0 ? x : 0.0;',
  wgsl: 'if (isnan(x)) { return uniforms.NAN; } return select(0.0, x, x > 0.0);',
};

/** dx = dy ⊙ 1(x > 0); relu'(0) = 0. webgl: NaN in x gives 0; webgpu: NaN, as tf.step. */
export const RELU_GRAD: ElementwiseOp = {
  name: 'relu_grad',
  inputs: ['Dy', 'X'],
  glsl: 'return x > 0.0 ? dy : 0.0;',
  wgsl: 'if (isnan(x)) { return uniforms.NAN; } return select(0.0, dy, x > 0.0);',
};

/** W' = W − α·∇. */
export const SGD_PARAM: ElementwiseOp = { name: 'sgd_param', inputs: ['W', 'G'], uniforms: ['alpha'], ...sameInBoth('return w - alpha * g;') };

/** v' = γ·v + α·∇. */
export const MOMENTUM_VELOCITY: ElementwiseOp = {
  name: 'momentum_velocity',
  inputs: ['V', 'G'],
  uniforms: ['gamma', 'alpha'],
  ...sameInBoth('return gamma * v + alpha * g;'),
};

/** W' = W − v'. */
export const MOMENTUM_PARAM: ElementwiseOp = { name: 'momentum_param', inputs: ['W', 'V'], ...sameInBoth('return w - v;') };

/** Adam's first moment m' = β·m + (1−β)·∇. */
export const ADAM_FIRST_MOMENT: ElementwiseOp = {
  name: 'adam_first_moment',
  inputs: ['S', 'G'],
  uniforms: ['beta', 'oneMinusBeta'],
  ...sameInBoth('return beta * s + oneMinusBeta * g;'),
};

/** Adam's second moment v' = β·v + (1−β)·∇². */
export const ADAM_SECOND_MOMENT: ElementwiseOp = { ...ADAM_FIRST_MOMENT, name: 'adam_second_moment', ...sameInBoth('return beta * s + oneMinusBeta * (g * g);') };

/** W' = W − α·(m'·c1)/(√(v'·c2) + ε), c1, c2 the bias corrections. */
export const ADAM_PARAM: ElementwiseOp = {
  name: 'adam_param',
  inputs: ['W', 'M', 'V'],
  uniforms: ['alpha', 'c1', 'c2', 'epsilon'],
  ...sameInBoth('return w - alpha * (m * c1) / (sqrt(v * c2) + epsilon);'),
};

const parameterName = (input: string): string => input[0].toLowerCase() + input.slice(1);

/** The op as an unpacked webgl program over `shape`; uniforms are `u<name>` (values per run). */
export function glslElementwiseProgram(op: ElementwiseOp, shape: number[]): GPGPUProgram {
  const uniforms = op.uniforms ?? [];
  const params = [...op.inputs.map(parameterName), ...uniforms].map((name) => `float ${name}`);
  const args = [...op.inputs.map((input) => `get${input}AtOutCoords()`), ...uniforms.map((name) => `u_${name}`)];
  return {
    variableNames: [...op.inputs],
    outputShape: shape,
    customUniforms: uniforms.map((name) => ({ name: `u_${name}`, type: 'float' as const })),
    userCode: `
      float handgradOp(${params.join(', ')}) {
        ${op.glsl}
      }
      void main() {
        setOutput(handgradOp(${args.join(', ')}));
      }`,
  };
}

/** Invocations per workgroup of the webgpu elementwise programs. */
const WORKGROUP = 64;

/** The op as a webgpu program over flat [size] views, one invocation per element. */
export function wgslElementwiseProgram(op: ElementwiseOp, size: number): WebGPUProgram {
  const uniforms = op.uniforms ?? [];
  const params = [...op.inputs.map(parameterName), ...uniforms].map((name) => `${name} : f32`);
  // Reads go through f32(): an input's buffer may hold int32 (tfjs's webgpu Cast keeps it).
  const args = [...op.inputs.map((input) => `f32(${input}[index])`), ...uniforms.map((name) => `uniforms.${name}`)];
  return {
    shaderKey: `handgrad_${op.name}`,
    variableNames: [...op.inputs],
    outputShape: [size],
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    ...(uniforms.length > 0 ? { uniforms: uniforms.map((name) => `${name} : f32,`).join(' ') } : {}),
    getUserCode: () => `
      fn handgradOp(${params.join(', ')}) -> f32 {
        ${op.wgsl}
      }
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, handgradOp(${args.join(', ')}));
        }
      }`,
  };
}
