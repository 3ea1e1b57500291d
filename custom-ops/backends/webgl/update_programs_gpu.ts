/**
 * GPGPU programs of the optimizer updates (unpacked, one output element per invocation). WebGL
 * writes one texture per program, so an update with k outputs is k programs: the new slots first,
 * then W' from them. The hyperparameters are uniforms (set per run, so one compiled shader serves
 * every step). Arithmetic as in util/update_loops.ts, in float32.
 */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

type Uniform = { name: string; type: 'float' };
const uniforms = (...names: string[]): Uniform[] => names.map((name) => ({ name, type: 'float' }));

/** W' = W − α·∇. Uniforms: [α]. */
export function sgdParamProgram(shape: number[]): GPGPUProgram {
  return {
    variableNames: ['W', 'G'],
    outputShape: shape,
    customUniforms: uniforms('uAlpha'),
    userCode: `
      void main() {
        setOutput(getWAtOutCoords() - uAlpha * getGAtOutCoords());
      }`,
  };
}

/** v' = γ·v + α·∇. Uniforms: [γ, α]. */
export function momentumVelocityProgram(shape: number[]): GPGPUProgram {
  return {
    variableNames: ['V', 'G'],
    outputShape: shape,
    customUniforms: uniforms('uGamma', 'uAlpha'),
    userCode: `
      void main() {
        setOutput(uGamma * getVAtOutCoords() + uAlpha * getGAtOutCoords());
      }`,
  };
}

/** W' = W − v'. */
export function momentumParamProgram(shape: number[]): GPGPUProgram {
  return {
    variableNames: ['W', 'V'],
    outputShape: shape,
    userCode: `
      void main() {
        setOutput(getWAtOutCoords() - getVAtOutCoords());
      }`,
  };
}

/** A moment of Adam: s' = β·s + (1−β)·f(∇), f(∇) = ∇ (first moment) or ∇² (second). Uniforms: [β, 1−β]. */
export function adamMomentProgram(shape: number[], squared: boolean): GPGPUProgram {
  return {
    variableNames: ['S', 'G'],
    outputShape: shape,
    customUniforms: uniforms('uBeta', 'uOneMinusBeta'),
    userCode: `
      void main() {
        float g = getGAtOutCoords();
        setOutput(uBeta * getSAtOutCoords() + uOneMinusBeta * ${squared ? '(g * g)' : 'g'});
      }`,
  };
}

/** W' = W − α·(m'·c1)/(√(v'·c2) + ε), c1, c2 the bias corrections. Uniforms: [α, c1, c2, ε]. */
export function adamParamProgram(shape: number[]): GPGPUProgram {
  return {
    variableNames: ['W', 'M', 'V'],
    outputShape: shape,
    customUniforms: uniforms('uAlpha', 'uC1', 'uC2', 'uEpsilon'),
    userCode: `
      void main() {
        float mHat = getMAtOutCoords() * uC1;
        float vHat = getVAtOutCoords() * uC2;
        setOutput(getWAtOutCoords() - uAlpha * mHat / (sqrt(vHat) + uEpsilon));
      }`,
  };
}
