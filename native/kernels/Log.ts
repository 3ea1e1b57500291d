import { Log } from '@tensorflow/tfjs-core';
import { UnaryOpCode } from '../addon.js';
import { unaryKernelConfig } from '../unary.js';

export const logConfig = unaryKernelConfig(Log, UnaryOpCode.Log);
