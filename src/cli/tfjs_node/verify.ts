/**
 * Does a tfjs-node package folder work? A fresh node process requires it, checks that tfjs made
 * 'tensorflow' its backend, multiplies two known matrices through libtensorflow and reports the
 * TensorFlow version the binding loaded. TF_CPP_MIN_LOG_LEVEL=2 is set for that child only, so
 * TensorFlow's start-up notices (oneDNN, cpu_feature_guard) do not clutter the setup's output.
 */
import { runTool } from './tools.js';

/** [[1, 2], [3, 4]] · [[5, 6], [7, 8]], row-major. */
const PRODUCT = [19, 22, 43, 50];

export type Verification = { ok: true; tensorflow: string } | { ok: false; reason: string };

function childScript(packageDir: string): string {
  return `
const tf = require(${JSON.stringify(packageDir)});
const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
console.log(JSON.stringify({ backend: tf.getBackend(), tensorflow: tf.backend().binding.TF_Version, values: Array.from(product.dataSync()) }));
`;
}

/** The first line of the child's error that says what failed (Node's "Error: …" or the dynamic loader's). */
function failureLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(Error|TypeError)\b|error while loading|cannot open shared object|undefined symbol|Library not loaded/.test(l)) ?? lines.at(-1) ?? 'no output';
}

export async function verifyPackage(packageDir: string): Promise<Verification> {
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', NODE_OPTIONS: '' };
  const run = await runTool(process.execPath, ['-e', childScript(packageDir)], { env });
  if (run.status !== 0) return { ok: false, reason: `it does not load (${failureLine(run.stderr)})` };
  let report: { backend: string; tensorflow: string; values: number[] };
  try {
    report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as typeof report;
  } catch {
    return { ok: false, reason: `its check printed no result (${run.stdout.trim().split('\n').at(-1) ?? ''})` };
  }
  if (report.backend !== 'tensorflow') return { ok: false, reason: `tfjs chose backend "${report.backend}", not tensorflow` };
  if (report.values.length !== PRODUCT.length || report.values.some((v, i) => v !== PRODUCT[i])) {
    return { ok: false, reason: `matMul gave [${report.values.join(', ')}] instead of [${PRODUCT.join(', ')}]` };
  }
  return { ok: true, tensorflow: report.tensorflow };
}
