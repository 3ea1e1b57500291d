import { Sub } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const subConfig = binaryKernelConfig(Sub, BinaryOpCode.Sub);
