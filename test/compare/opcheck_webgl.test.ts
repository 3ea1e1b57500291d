/** opcheck of handgrad's five kernels on webgl, in headless Chromium (SwiftShader WebGL2), against the page's cpu. */
import { describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES } from '../../custom-ops/index.js';
import { runOpcheckInBrowser } from '../../src/browser/run_opcheck.js';
import { chromiumMissingReason } from '../browser/chromium_skip.js';

const chromiumMissing = chromiumMissingReason('test/compare/opcheck_webgl.test.ts');

describe.skipIf(chromiumMissing !== null)(`opcheck on webgl in headless Chromium${chromiumMissing === null ? '' : ` (SKIPPED: ${chromiumMissing})`}`, () => {
  it('every kernel passes every check: forward and gradient vs cpu, fd32, saved tensors, inputs, leaks', async () => {
    const [entry] = await runOpcheckInBrowser(['webgl'], [...CUSTOM_KERNEL_NAMES], 0, { log: () => {} });
    if (entry.kind !== 'results') throw new Error(`webgl could not run: ${entry.reason}`);
    const results = entry.results;
    expect(results.map((r) => r.kernel).sort()).toEqual([...CUSTOM_KERNEL_NAMES].sort());
    for (const r of results) {
      expect(r.backends.map((b) => b.backend)).toEqual(['webgl']);
      const failing = r.backends[0].checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.kind} ${c.note ?? ''}`);
      expect(failing, r.kernel).toEqual([]);
      const kinds = r.backends[0].checks.map((c) => c.kind);
      const expected = ['registered', 'forward vs cpu', 'inputs unchanged', 'no leaks', ...(/Update$/.test(r.kernel) ? [] : ['grad vs cpu', 'grad vs fd32 (fast)', 'saves declared'])];
      for (const kind of expected) expect(kinds.some((k) => k.startsWith(kind)), `${r.kernel}: ${kind}`).toBe(true);
    }
  });
});
