/** Shared set-up for the bench tests: whether python3 with numpy is there, and the reason in skipped titles. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numpyAvailability } from '../helpers/requirements.js';

export const NUMPY_REFERENCE = fileURLToPath(new URL('../../bench/numpy_reference.py', import.meta.url));
export const BENCH_SCRIPT = fileURLToPath(new URL('../../bench/bench.ts', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const NUMPY = numpyAvailability();
export const NUMPY_MISSING = !NUMPY.available;
export const NUMPY_SKIP = NUMPY.skipNote;

/** Runs a Python snippet that has loaded bench/numpy_reference.py as `ref`; returns its JSON output. */
export function python<T>(body: string): T {
  const script = `
import importlib.util, json, numpy as np
spec = importlib.util.spec_from_file_location("ref", ${JSON.stringify(NUMPY_REFERENCE)})
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
${body}
`;
  const result = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (result.status !== 0 || result.stderr !== '') throw new Error(`python failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
