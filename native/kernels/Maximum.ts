import { Maximum } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const maximumConfig = binaryKernelConfig(Maximum, BinaryOpCode.Max);
