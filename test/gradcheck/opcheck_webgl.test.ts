/** opcheck of handgrad's kernels on webgl and webgpu, in headless Chromium (SwiftShader), against the page's cpu; and through the CLI. */
import { describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES } from '../../custom-ops/index.js';
import { runOpcheckInBrowser } from '../../src/browser/run_opcheck.js';
import { chromiumAvailability } from '../helpers/requirements.js';
import { runTsxCli } from '../helpers/tsx_cli.js';

const chromium = chromiumAvailability();

describe.skipIf(!chromium.available)(`opcheck on webgl and webgpu in headless Chromium${chromium.skipNote}`, () => {
  it.each(['webgl', 'webgpu'] as const)('%s: every kernel passes every check: forward and gradient vs cpu, fd32, saved tensors, inputs, leaks', async (backend) => {
    const [entry] = await runOpcheckInBrowser([backend], [...CUSTOM_KERNEL_NAMES], 0, { log: () => {} });
    if (entry.kind !== 'results') throw new Error(`${backend} could not run: ${entry.reason}`);
    const results = entry.results;
    expect(results.map((r) => r.kernel).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    for (const r of results) {
      expect(r.backends.map((b) => b.backend)).toEqual([backend]);
      const failing = r.backends[0].checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.kind} ${c.note ?? ''}`);
      expect(failing, r.kernel).toEqual([]);
      const kinds = r.backends[0].checks.map((c) => c.kind);
      const expected = ['registered', 'forward vs cpu', 'inputs unchanged', 'no leaks', ...(/Update$/.test(r.kernel) ? [] : ['grad vs cpu', 'grad vs fd32 (fast)', 'saves declared'])];
      for (const kind of expected) expect(kinds.some((k) => k.startsWith(kind)), `${r.kernel}: ${kind}`).toBe(true);
    }
  }, 300_000); // every kernel's fp32 differences read back from SwiftShader: minutes under load

  it('`gradcheck opcheck KERNEL --backend webgpu` runs it in Chromium (no "needs a browser" refusal): exit 0, webgpu rows only', async () => {
    const r = await runTsxCli('src/cli/gradcheck.ts', ['opcheck', 'ManualSoftmax', '--backend', 'webgpu']);
    expect(r.stderr).not.toMatch(/needs a browser/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ManualSoftmax on webgpu: 7 checks, all pass$/m);
    expect(r.stdout).not.toMatch(/skipped/);
  });
});
