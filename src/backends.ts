/**
 * Backend selection for Node. Each backend loads on demand; a backend that cannot load
 * reports a one-line reason that says what to install.
 */
import * as tf from '@tensorflow/tfjs';
import { useZeroSkippingProductsOnWasm } from '../custom-ops/index.js';

export const BACKEND_NAMES = ['cpu', 'wasm', 'tensorflow', 'native', 'webgl', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

/** Backends that need a browser's GPU context: the CLIs run them in headless Chromium (src/browser). */
export const BROWSER_BACKENDS = ['webgl', 'webgpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export function isBrowserBackend(name: string): name is BrowserBackend {
  return (BROWSER_BACKENDS as readonly string[]).includes(name);
}

/** `auto` tries these in order and takes the first that loads (fastest first). */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

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
  try {
    // A variable specifier: tfjs-node is an optional package (not one of our modules), so its types may be absent.
    const tfjsNode = '@tensorflow/tfjs-node';
    // eslint-disable-next-line no-restricted-syntax -- see above; the layer rules concern our own modules only
    await import(tfjsNode);
  } catch (error) {
    throw new BackendError(`${TFJS_NODE_HINT} (${errorText(error)})`);
  }
}

async function loadWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  useZeroSkippingProductsOnWasm();
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

/**
 * Makes `choice` the active tfjs backend and returns its name. `auto` takes the first of
 * AUTO_ORDER that loads. Throws BackendError with a one-line reason when it cannot.
 */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  const candidates = choice === 'auto' ? AUTO_ORDER : [choice];
  const reasons: string[] = [];
  for (const name of candidates) {
    const probe = await probeBackend(name);
    if (!probe.available) {
      reasons.push(`${name}: ${probe.reason}`);
      continue;
    }
    const ok = await tf.setBackend(name);
    if (ok) {
      await tf.ready();
      return name;
    }
    reasons.push(`${name}: tf.setBackend failed`);
  }
  throw new BackendError(choice === 'auto' ? `no backend could load (${reasons.join('; ')})` : `--backend ${choice}: ${reasons.join('; ').replace(`${choice}: `, '')}`);
}
