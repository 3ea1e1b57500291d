/** The fused trainer on native against its per-kernel path, to fp32 vs fp32 tolerance (test/train/fused_suite.ts). */
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { describeFusedTrainer } from './fused_suite.js';

await describeFusedTrainer('native', FP32_VS_FP32.rtol);
