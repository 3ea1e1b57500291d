import { Exp } from '@tensorflow/tfjs-core';
import { UnaryOpCode } from '../addon.js';
import { unaryKernelConfig } from '../unary.js';

export const expConfig = unaryKernelConfig(Exp, UnaryOpCode.Exp);
