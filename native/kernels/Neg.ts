import { Neg } from '@tensorflow/tfjs-core';
import { UnaryOpCode } from '../addon.js';
import { unaryKernelConfig } from '../unary.js';

export const negConfig = unaryKernelConfig(Neg, UnaryOpCode.Neg);
