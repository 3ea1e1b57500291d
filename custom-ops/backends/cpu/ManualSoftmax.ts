import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ManualSoftmax, kernelInputs, type ManualSoftmaxInputs } from '../../kernel_names.js';
import { assertFloat32Inputs, assertRankAtLeast1 } from '../../util/kernel_checks.js';
import { rowLayout } from '../../util/row_layout.js';
import { softmaxRowsInto } from '../../util/row_loops.js';

export const manualSoftmax: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const { logits } = kernelInputs<ManualSoftmaxInputs>(inputs);
  assertFloat32Inputs(ManualSoftmax, { logits });
  assertRankAtLeast1(ManualSoftmax, 'logits', logits);
  const cpu = backend as MathBackendCPU;
  const zVals = cpu.data.get(logits.dataId).values as Float32Array;
  const out = new Float32Array(zVals.length);
  softmaxRowsInto(zVals, rowLayout(logits.shape).cols, out);
  return cpu.makeTensorInfo(logits.shape, 'float32', out);
};

export const manualSoftmaxConfig: KernelConfig = { kernelName: ManualSoftmax, backendName: 'cpu', kernelFunc: manualSoftmax };
