/** opcheck of handgrad's five kernels on webgl, in headless Chromium (SwiftShader WebGL2), against the page's cpu. */
import { describe, expect, it } from 'vitest';
import { CUSTOM_KERNEL_NAMES, FUSED_KERNEL_NAMES } from '../../custom-ops/index.js';

/** The five unfused kernels: opcheck has cases for these (the fused ones are not opchecked yet). */
const UNFUSED = CUSTOM_KERNEL_NAMES.filter((name) => !(FUSED_KERNEL_NAMES as readonly string[]).includes(name));
import { runOpcheckInBrowser } from '../../src/browser/run_opcheck.js';
import { chromiumMissingReason } from '../browser/chromium_skip.js';

const chromiumMissing = chromiumMissingReason('test/compare/opcheck_webgl.test.ts');

describe.skipIf(chromiumMissing !== null)(`opcheck on webgl in headless Chromium${chromiumMissing === null ? '' : ` (SKIPPED: ${chromiumMissing})`}`, () => {
  it('all five kernels pass every check: forward and gradient vs cpu, fd32, saved tensors, inputs, leaks', async () => {
    const [entry] = await runOpcheckInBrowser(['webgl'], [...UNFUSED], 0, { log: () => {} });
    if (entry.kind !== 'results') throw new Error(`webgl could not run: ${entry.reason}`);
    const results = entry.results;
    expect(results.map((r) => r.kernel).sort()).toEqual([...UNFUSED].sort());
    for (const r of results) {
      expect(r.backends.map((b) => b.backend)).toEqual(['webgl']);
      const failing = r.backends[0].checks.filter((c) => !c.pass).map((c) => `${c.name} ${c.kind} ${c.note ?? ''}`);
      expect(failing, r.kernel).toEqual([]);
      expect(r.backends[0].checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['forward vs cpu', 'grad vs cpu', 'grad vs fd32 (fast)', 'saves declared', 'inputs unchanged', 'no leaks']));
    }
  });
});
