/**
 * tensorflow's fused step graph is made of the tensorflow kernels' own op sequences: run as a plain
 * graph (HANDGRAD_TENSORFLOW_XLA=0) with oneDNN's graph rewrites off (TF_ENABLE_ONEDNN_OPTS=0, read
 * when libtensorflow starts: this file runs in its own process), it gives the per-kernel path's
 * numbers bit for bit, over every test of the fused suite.
 */
process.env.HANDGRAD_TENSORFLOW_XLA = '0';
process.env.TF_ENABLE_ONEDNN_OPTS = '0';
const { describeFusedTrainer } = await import('./fused_suite.js');

await describeFusedTrainer('tensorflow', 0, ' (plain graph, oneDNN off)');
