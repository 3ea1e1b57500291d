import { Minimum } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const minimumConfig = binaryKernelConfig(Minimum, BinaryOpCode.Min);
