import { Multiply } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const multiplyConfig = binaryKernelConfig(Multiply, BinaryOpCode.Mul);
