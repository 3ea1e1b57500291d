/**
 * WGSL programs of the optimizer updates, over flat [size] views, one invocation per element. The
 * webgpu backend writes one output buffer per program, so an update with k outputs is k programs:
 * the new slots first, then W' from them. The hyperparameters are uniforms (one compiled pipeline
 * serves every step). Arithmetic as in util/update_loops.ts, in float32; reads go through f32()
 * as in programs_webgpu.ts.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { elementwiseProgram } from './programs_webgpu.js';

/** W' = W − α·∇. Uniforms: [alpha]. */
export function sgdParamProgram(size: number): WebGPUProgram {
  return elementwiseProgram('handgrad_sgd_param', ['W', 'G'], size, 'setOutputAtIndex(index, f32(W[index]) - uniforms.alpha * f32(G[index]));', ['alpha']);
}

/** v' = γ·v + α·∇. Uniforms: [gamma, alpha]. */
export function momentumVelocityProgram(size: number): WebGPUProgram {
  return elementwiseProgram(
    'handgrad_momentum_velocity',
    ['V', 'G'],
    size,
    'setOutputAtIndex(index, uniforms.gamma * f32(V[index]) + uniforms.alpha * f32(G[index]));',
    ['gamma', 'alpha'],
  );
}

/** W' = W − v'. */
export function momentumParamProgram(size: number): WebGPUProgram {
  return elementwiseProgram('handgrad_momentum_param', ['W', 'V'], size, 'setOutputAtIndex(index, f32(W[index]) - f32(V[index]));');
}

/** A moment of Adam: s' = β·s + (1−β)·f(∇), f(∇) = ∇ (first moment) or ∇² (second). Uniforms: [beta, oneMinusBeta]. */
export function adamMomentProgram(size: number, squared: boolean): WebGPUProgram {
  return elementwiseProgram(
    squared ? 'handgrad_adam_second_moment' : 'handgrad_adam_first_moment',
    ['S', 'G'],
    size,
    `let g = f32(G[index]);
          setOutputAtIndex(index, uniforms.beta * f32(S[index]) + uniforms.oneMinusBeta * ${squared ? 'g * g' : 'g'});`,
    ['beta', 'oneMinusBeta'],
  );
}

/** W' = W − α·(m'·c1)/(√(v'·c2) + ε), c1, c2 the bias corrections. Uniforms: [alpha, c1, c2, epsilon]. */
export function adamParamProgram(size: number): WebGPUProgram {
  return elementwiseProgram(
    'handgrad_adam_param',
    ['W', 'M', 'V'],
    size,
    `let mHat = f32(M[index]) * uniforms.c1;
          let vHat = f32(V[index]) * uniforms.c2;
          setOutputAtIndex(index, f32(W[index]) - uniforms.alpha * mHat / (sqrt(vHat) + uniforms.epsilon));`,
    ['alpha', 'c1', 'c2', 'epsilon'],
  );
}
