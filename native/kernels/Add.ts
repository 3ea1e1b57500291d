import { Add } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const addConfig = binaryKernelConfig(Add, BinaryOpCode.Add);
