/**
 * The webgpu kernels in Node, where there is no WebGPU: one kernelFunc per handgrad kernel,
 * registered by registerCustomOps() as plain objects, and a plugin that loads and runs on cpu even
 * when @tensorflow/tfjs-backend-webgpu cannot be resolved at all. The WGSL itself runs in
 * test/browser/webgpu.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES, registerCustomOps } from '../../custom-ops/index.js';
import * as webgpuKernels from '../../custom-ops/backends/webgpu/index.js';
import { gradConfigs } from '../../custom-ops/gradients/index.js';
import { MAX_COLS_PER_INVOCATION, rowSplit, rowWorkgroupSize } from '../../custom-ops/backends/webgpu/programs_webgpu.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('webgpu kernel configs in Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'handgrad-webgpu-node-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has one kernelFunc per kernel name, and registerCustomOps registers each on webgpu', () => {
    expect(Object.keys(webgpuKernels).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    registerCustomOps();
    for (const name of CUSTOM_KERNEL_NAMES) {
      expect(typeof webgpuKernels[name], name).toBe('function');
      expect(tf.getKernel(name, 'webgpu')?.kernelFunc, name).toBe(webgpuKernels[name]);
    }
    // Gradients are backend-independent: the same GradConfigs serve webgpu.
    for (const { kernelName } of gradConfigs) expect(tf.getGradient(kernelName), kernelName).toBeDefined();
    // Registering is bookkeeping only: no webgpu backend appears in Node.
    expect(tf.findBackendFactory('webgpu')).toBeNull();
  });

  it('splits narrow rows one per invocation and wide rows one per workgroup of a power of two ≤ 256', () => {
    expect(rowSplit(128, 10)).toEqual({ perRow: 'invocation', workgroupSize: 64, dispatch: 2 });
    expect(rowSplit(70000, MAX_COLS_PER_INVOCATION)).toEqual({ perRow: 'invocation', workgroupSize: 64, dispatch: 1094 });
    expect(rowSplit(8, MAX_COLS_PER_INVOCATION + 1)).toEqual({ perRow: 'workgroup', workgroupSize: 128, dispatch: 8 });
    expect([65, 128, 129, 784, 5000].map(rowWorkgroupSize)).toEqual([128, 128, 256, 256, 256]);
  });

  it('imports and runs on cpu when @tensorflow/tfjs-backend-webgpu cannot be resolved', () => {
    // A resolve hook that fails every import of the package, as when it is not installed.
    const hooks = join(dir, 'block_webgpu.mjs');
    writeFileSync(
      hooks,
      `export async function resolve(specifier, context, next) {
        if (specifier.startsWith('@tensorflow/tfjs-backend-webgpu')) throw new Error('blocked: ' + specifier);
        return next(specifier, context);
      }`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const script = `
      import * as tf from '@tensorflow/tfjs';
      import { manualRelu, registerCustomOps } from './custom-ops/index.ts';
      tf.enableProdMode();
      registerCustomOps();
      const y = manualRelu([-1, 2]);
      console.log(JSON.stringify({ y: Array.from(y.dataSync()), webgpuKernel: tf.getKernel('ManualRelu', 'webgpu') !== undefined, navigator: typeof globalThis.navigator?.gpu }));
    `;
    const res = spawnSync(process.execPath, ['--import', register, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(res.stderr).not.toMatch(/blocked|Error/);
    expect(JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '')).toEqual({ y: [0, 2], webgpuKernel: true, navigator: 'undefined' });
    expect(res.status).toBe(0);
  });
});
