import { RealDiv } from '@tensorflow/tfjs-core';
import { BinaryOpCode } from '../addon.js';
import { binaryKernelConfig } from '../binary.js';

export const realDivConfig = binaryKernelConfig(RealDiv, BinaryOpCode.Div);
