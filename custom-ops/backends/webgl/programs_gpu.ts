/**
 * GPGPU programs behind handgrad's webgl kernels, in the style of tfjs-backend-webgl's
 * *_gpu.ts files. Every program is unpacked (one float per texel); the webgl backend
 * compiles `userCode` into a fragment shader that runs once per output element, with
 * getters getX(...) / getXAtOutCoords() generated from `variableNames` and setOutput(v).
 * Row reductions run one shader invocation per row, so nothing is read back to the CPU.
 */
import type { GPGPUProgram } from '@tensorflow/tfjs-backend-webgl';

/** Rows of this many or fewer are summed by one invocation when averaging over rows. */
export const PARTIAL_SUM_WINDOW = 32;

/** m_n = max_k z_nk over a [rows, cols] input; a NaN anywhere in the row gives NaN. */
export function rowMaxProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Z'],
    outputShape: [rows],
    userCode: `
      void main() {
        int row = getOutputCoords();
        float m = getZ(row, 0);
        for (int k = 1; k < ${cols}; k++) {
          if (isnan(m)) break;
          float v = getZ(row, k);
          if (isnan(v) || v > m) m = v;
        }
        setOutput(m);
      }`,
  };
}

/** s_n = Σ_k exp(z_nk − m_n), the row's softmax denominator after the max shift. */
export function rowSumExpProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Z', 'M'],
    outputShape: [rows],
    userCode: `
      void main() {
        int row = getOutputCoords();
        float m = getM(row);
        float s = 0.0;
        for (int k = 0; k < ${cols}; k++) {
          s += exp(getZ(row, k) - m);
        }
        setOutput(s);
      }`,
  };
}

/** Σ_k y_nk, the label mass of each row (1 for one-hot rows). */
export function rowSumProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Y'],
    outputShape: [rows],
    userCode: `
      void main() {
        int row = getOutputCoords();
        float s = 0.0;
        for (int k = 0; k < ${cols}; k++) {
          s += getY(row, k);
        }
        setOutput(s);
      }`,
  };
}

/** p_nk = exp(z_nk − m_n) / s_n. */
export function softmaxNormalizeProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Z', 'M', 'S'],
    outputShape: [rows, cols],
    userCode: `
      void main() {
        ivec2 rc = getOutputCoords();
        setOutput(exp(getZ(rc.x, rc.y) - getM(rc.x)) / getS(rc.x));
      }`,
  };
}

/**
 * ℓ_n = (Σ_k y_nk) · logsumexp(z_n) − Σ_k y_nk z_nk with logsumexp(z_n) = m_n + log s_n:
 * the per-row cross-entropy −Σ_k y_nk log p_nk before the mean over rows.
 */
export function rowCrossEntropyProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Z', 'Y', 'M', 'S'],
    outputShape: [rows],
    userCode: `
      void main() {
        int row = getOutputCoords();
        float dot = 0.0;
        float labelSum = 0.0;
        for (int k = 0; k < ${cols}; k++) {
          float y = getY(row, k);
          dot += y * getZ(row, k);
          labelSum += y;
        }
        float logSumExp = getM(row) + log(getS(row));
        setOutput(labelSum * logSumExp - dot);
      }`,
  };
}

/**
 * One pass of a tree sum over a vector V of `length` values: invocation i adds
 * V[i·W .. i·W+W) (W = PARTIAL_SUM_WINDOW) and divides by `divisor`. The caller repeats it
 * until one value is left; short windows keep float32 rounding near log(N)·ε, not N·ε.
 * With `scalarOutput` the single result is written to a rank-0 tensor.
 */
export function partialSumProgram(length: number, divisor: number, scalarOutput: boolean): GPGPUProgram {
  const outLength = Math.ceil(length / PARTIAL_SUM_WINDOW);
  return {
    variableNames: ['V'],
    outputShape: scalarOutput ? [] : [outLength],
    userCode: `
      void main() {
        int outIndex = ${scalarOutput ? '0' : 'getOutputCoords()'};
        int start = outIndex * ${PARTIAL_SUM_WINDOW};
        float s = 0.0;
        for (int j = 0; j < ${PARTIAL_SUM_WINDOW}; j++) {
          int i = start + j;
          if (i >= ${length}) break;
          s += getV(i);
        }
        setOutput(s / float(${divisor}));
      }`,
  };
}

/**
 * dz_nk = (dy / N) · (l_n · exp(z_nk − m_n) / s_n − y_nk), with l_n = Σ_k y_nk: the derivative
 * of the mean cross-entropy, (p − y)/N for one-hot rows, scaled by the upstream scalar dy.
 */
export function crossEntropyGradProgram(rows: number, cols: number): GPGPUProgram {
  return {
    variableNames: ['Dy', 'Z', 'Y', 'M', 'S', 'L'],
    outputShape: [rows, cols],
    userCode: `
      void main() {
        ivec2 rc = getOutputCoords();
        float p = exp(getZ(rc.x, rc.y) - getM(rc.x)) / getS(rc.x);
        float scale = getDy() / float(${rows});
        setOutput(scale * (getL(rc.x) * p - getY(rc.x, rc.y)));
      }`,
  };
}
