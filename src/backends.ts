/**
 * Backend selection for Node. Each backend loads on demand; a backend that cannot load
 * reports a one-line reason that says what to install.
 */
import * as tf from '@tensorflow/tfjs';
import { offerFusedMlpTrainer } from '../custom-ops/backends/tensorflow/fused_mlp.js';
import type { TensorflowBackend } from '../custom-ops/backends/tensorflow/node_backend.js';
import { registerCustomOps } from '../custom-ops/index.js';
import { installFingerprint, measureActiveBackend, rankTimings, rankingCachePath, readCachedTimings, type StepTiming, writeCachedTimings } from './backend_speed.js';

export const BACKEND_NAMES = ['cpu', 'wasm', 'tensorflow', 'native', 'webgl', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

/** Backends that need a browser's GPU context: the CLIs run them in headless Chromium (src/browser). */
export const BROWSER_BACKENDS = ['webgl', 'webgpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export function isBrowserBackend(name: string): name is BrowserBackend {
  return (BROWSER_BACKENDS as readonly string[]).includes(name);
}

/** The backends `auto` measures (in this order) before it takes the fastest that loads. */
export const AUTO_CANDIDATES: readonly BackendName[] = ['native', 'tensorflow', 'wasm', 'cpu'];

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export type BackendAvailability = { name: BackendName; available: true } | { name: BackendName; available: false; reason: string };

export const TFJS_NODE_HINT =
  'tfjs-node does not load (its installer downloads libtensorflow 2.9.1, which Google storage now refuses: tfjs#8742); ' +
  '`npx handgrad setup tfjs-node` builds it against a TensorFlow wheel (docs/tfjs-node.md)';

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

async function loadTensorflow(): Promise<void> {
  // libtensorflow logs its CPU features and oneDNN notes to stderr at load unless told otherwise.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    // A variable specifier: tfjs-node is an optional package (not one of our modules), so its types may be absent.
    const tfjsNode = '@tensorflow/tfjs-node';
    // eslint-disable-next-line no-restricted-syntax -- see above; the layer rules concern our own modules only
    await import(tfjsNode);
  } catch (error) {
    throw new BackendError(`${TFJS_NODE_HINT} (${errorText(error)})`);
  }
  const backend = tf.findBackend('tensorflow');
  if (backend !== null) offerFusedMlpTrainer(backend as unknown as TensorflowBackend);
}

async function loadWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  // After the import: registering handgrad's kernels also makes tfjs-backend-wasm's products skip zeros.
  registerCustomOps();
}

async function loadNative(): Promise<void> {
  let mod: { registerNativeBackend: () => void };
  try {
    mod = await import('../native/backend.js');
  } catch (error) {
    throw new BackendError(`the native backend is not built in this checkout (${errorText(error)})`);
  }
  mod.registerNativeBackend();
}

const LOADERS: Record<BackendName, () => Promise<void>> = {
  cpu: async () => {},
  wasm: loadWasm,
  tensorflow: loadTensorflow,
  native: loadNative,
  webgl: () => Promise.reject(new BackendError('webgl needs a browser: run the CLI with --backend webgl, which drives headless Chromium')),
  webgpu: () => Promise.reject(new BackendError('webgpu needs a browser: run the CLI with --backend webgpu, which drives headless Chromium')),
};

/** Loads a backend's module and checks that tfjs can initialise it. Never throws. */
export async function probeBackend(name: BackendName): Promise<BackendAvailability> {
  try {
    await LOADERS[name]();
    // Not tf.findBackend: on a registered but uninitialised backend it starts the backend's async
    // initialisation, and until that settles every op on the active backend throws "not yet initialized".
    const engine = tf.engine();
    if (!(name in engine.registry) && !(name in engine.registryFactory)) {
      return { name, available: false, reason: `backend "${name}" did not register with tfjs` };
    }
    return { name, available: true };
  } catch (error) {
    return { name, available: false, reason: errorText(error) };
  }
}

function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/** Parses a --backend flag value. */
export function parseBackendChoice(value: string): BackendChoice {
  if (value === 'auto' || isBackendName(value)) return value;
  throw new BackendError(`--backend: unknown backend "${value}" (expected auto, ${BACKEND_NAMES.join(', ')})`);
}

/** Makes a loaded backend the active one; false when tfjs cannot initialise it. */
async function activate(name: BackendName): Promise<boolean> {
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  return true;
}

/**
 * Makes `choice` the active tfjs backend and returns its name. `auto` measures every candidate that
 * loads (backend_speed.ts, remembered per install) and takes the fastest. Throws BackendError
 * with a one-line reason when it cannot.
 */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice === 'auto') return useFastestBackend();
  const probe = await probeBackend(choice);
  if (!probe.available) throw new BackendError(`--backend ${choice}: ${probe.reason}`);
  if (!(await activate(choice))) throw new BackendError(`--backend ${choice}: tf.setBackend failed`);
  return choice;
}

async function measureCandidates(reasons: string[]): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  for (const name of AUTO_CANDIDATES) {
    const probe = await probeBackend(name);
    if (!probe.available) reasons.push(`${name}: ${probe.reason}`);
    else if (!(await activate(name))) reasons.push(`${name}: tf.setBackend failed`);
    else timings.push({ name, msPerStep: measureActiveBackend() });
  }
  return timings;
}

async function useFastestBackend(): Promise<BackendName> {
  const { ADDON_PATH } = await import('../native/addon.js');
  const fingerprint = installFingerprint(ADDON_PATH);
  const cachePath = rankingCachePath();
  const reasons: string[] = [];
  let timings = readCachedTimings(cachePath, fingerprint);
  if (timings === undefined) {
    timings = await measureCandidates(reasons);
    writeCachedTimings(cachePath, fingerprint, timings);
  }
  for (const name of rankTimings(timings)) {
    if (isBackendName(name) && (await probeBackend(name)).available && (await activate(name))) return name;
  }
  throw new BackendError(`no backend could load (${reasons.join('; ') || `none of ${timings.map((t) => t.name).join(', ')} loads now`})`);
}
