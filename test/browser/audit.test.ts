/**
 * The audit of tfjs's gradients on webgl and webgpu in headless Chromium (SwiftShader): the page
 * answers the audit's requests, Node judges them beside its own cpu. A known-good op passes with
 * the page's forward values and gradients matching Node's cpu; a known tfjs bug (tanh's detached
 * saved output) shows on both; no WebGPU adapter, or no Chromium, is one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditResult, type AuditRow, auditMarkdown, auditTfjs } from '../../gradcheck/index.js';
import { localRunner, type Measured } from '../../gradcheck/audit/runner.js';
import { FP32_VS_FP32 } from '../../gradcheck/tolerances.js';
import { ensureWebBuild, REPO_ROOT } from '../../src/browser/build.js';
import { DEFAULT_CHROMIUM } from '../../src/browser/chromium.js';
import { type BrowserAudit, openBrowserAudit } from '../../src/browser/run_audit.js';
import { chromiumAvailability } from '../helpers/requirements.js';

const chromium = chromiumAvailability();
const BROWSER = ['webgl', 'webgpu'] as const;

const find = (result: AuditResult, kernel: string, order: 1 | 2, backend: string): AuditRow => {
  const row = result.rows.find((r) => r.kernel === kernel && r.order === order && r.backend === backend);
  if (row === undefined) throw new Error(`no row for ${kernel} at order ${order} on ${backend}`);
  return row;
};

/** max |a − b| / max(|a|, |b|) over the elements, and the largest |b|. */
function relDiff(a: Float32Array, b: Float32Array): { rel: number; scale: number } {
  let rel = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    rel = Math.max(rel, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), 1e-30));
  }
  return { rel, scale };
}

describe.skipIf(!chromium.available)(`gradcheck audit on webgl and webgpu in headless Chromium${chromium.skipNote}`, () => {
  let browser: BrowserAudit;
  let result: AuditResult;
  const lines: string[] = [];
  beforeAll(async () => {
    await ensureWebBuild();
    await tf.setBackend('cpu');
    browser = await openBrowserAudit([...BROWSER], (line) => lines.push(line));
    result = await auditTfjs({ backends: ['webgl', 'webgpu'], ops: ['relu', 'tanh'], runners: browser.runners });
  }, 600_000);
  afterAll(async () => browser?.close());

  it('names the page backends it runs on (SwiftShader, software)', () => {
    expect(lines).toEqual([expect.stringMatching(/^webgl in headless Chromium, WebGL 2 renderer: .*float32 textures: true/), expect.stringMatching(/^webgpu in headless Chromium, WebGPU adapter: /)]);
    // The report says where each ran: these rows are SwiftShader's, not a GPU's.
    expect(result.environments).toEqual({ webgl: lines[0], webgpu: lines[1] });
    expect(auditMarkdown(result, 'audit').split('\n')).toEqual(expect.arrayContaining([`- webgl: ${lines[0]}`, `- webgpu: ${lines[1]}`]));
  });

  it("the page's forward values and gradients of relu are there and match Node's cpu within fp32~fp32", async () => {
    const cpu = (await localRunner('cpu').ask({ kind: 'measure', label: 'Relu · tf.relu(x)', seed: 0 })) as Extract<Measured, { kind: 'ran' }>;
    for (const [k, runner] of browser.runners.entries()) {
      expect(runner.backend).toBe(BROWSER[k]);
      const page = await runner.ask({ kind: 'measure', label: 'Relu · tf.relu(x)', seed: 0 });
      if (page.kind !== 'ran') throw new Error(`relu throws on ${runner.backend}: ${page.message}`);
      expect(page.kernels).toContain('Relu');
      const parts = [
        [page.quantities.forward?.[0], cpu.quantities.forward?.[0]],
        [page.quantities.first?.[0], cpu.quantities.first?.[0]],
      ] as const;
      for (const [mine, theirs] of parts) {
        expect(mine).toBeInstanceOf(Float32Array);
        expect(mine!.length).toBe(theirs!.length);
        const { rel, scale } = relDiff(mine!, theirs!);
        expect(scale).toBeGreaterThan(0.1); // real values, not zeros
        expect(rel).toBeLessThanOrEqual(FP32_VS_FP32.rtol);
      }
      // relu's gradient is dy where x > 0, and 0 where x < 0: some of each.
      const g = page.quantities.first![0];
      expect(g.some((v) => v === 0) && g.some((v) => v !== 0)).toBe(true);
    }
  });

  it('relu passes both orders on webgl and webgpu, with its values compared with cpu', () => {
    for (const backend of BROWSER) {
      for (const order of [1, 2] as const) {
        const row = find(result, 'Relu', order, backend);
        expect([row.status, row.diagnosis]).toEqual(['pass', undefined]);
        const vsCpu = row.checks.filter((c) => c.kind === `${backend} vs cpu`);
        expect(vsCpu.length).toBeGreaterThan(0);
        for (const c of vsCpu) expect(c.maxRelErr).toBeLessThanOrEqual(c.tol);
        // The fd32 check ran in the page on this backend, every coordinate.
        expect(row.checks.some((c) => c.kind !== `${backend} vs cpu` && c.checked === c.total && c.total > 0)).toBe(true);
      }
      expect(find(result, 'Relu', 1, backend).checks.filter((c) => c.kind === `${backend} vs cpu`).map((c) => c.name)).toEqual(['Relu · tf.relu(x) forward', 'Relu · tf.relu(x) ∂/∂x']);
    }
  });

  it("tanh's second derivative is wrong on both (tfjs-core's detached saved output), with a reproduction run on that backend", () => {
    for (const backend of BROWSER) {
      expect(find(result, 'Tanh', 1, backend).status).toBe('pass');
      const row = find(result, 'Tanh', 2, backend);
      expect([row.status, row.diagnosis]).toEqual(['fail', 'wrong second derivative (saved output detached)']);
      expect(row.failures.length).toBeGreaterThan(0);
      for (const f of row.failures) {
        expect(f.tfjs).toBe(0);
        expect(Math.abs(f.reference)).toBeGreaterThan(1e-3);
      }
      expect(row.reproduction).toContain(`await tf.setBackend('${backend}');`);
    }
    expect(new Set(result.rows.map((r) => r.backend))).toEqual(new Set(BROWSER));
  });
});

describe.skipIf(!chromium.available)(`gradcheck audit --backend webgpu without a WebGPU adapter${chromium.skipNote}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'handgrad-audit-nogpu-'));
    const wrapper = join(dir, 'chromium-without-webgpu');
    writeFileSync(wrapper, `#!/bin/sh\nfor a; do shift; [ "$a" = --enable-unsafe-webgpu ] || set -- "$@" "$a"; done\nexec ${process.env.HANDGRAD_CHROMIUM ?? DEFAULT_CHROMIUM} "$@"\n`);
    chmodSync(wrapper, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 with one line saying there is no adapter, before any case runs', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/gradcheck.ts', 'audit', '--backend', 'cpu,webgpu', '--op', 'relu'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HANDGRAD_CHROMIUM: join(dir, 'chromium-without-webgpu') },
      timeout: 240_000,
    });
    const stderr = res.stderr.trim().split('\n').filter((l) => l !== '' && !/nodedir|npm warn|building the web page/.test(l));
    expect(stderr).toEqual([expect.stringMatching(/^gradcheck: --backend webgpu: headless Chromium gave no WebGPU adapter \(.*--enable-unsafe-webgpu.*\)$/)]);
    expect(res.stdout).toBe('');
    expect(res.status).toBe(2);
  });
});

describe('gradcheck audit --backend webgl without Chromium', () => {
  it('exits 2 with one line naming apt-get install chromium, before any case runs', () => {
    const missing = join(tmpdir(), 'handgrad-no-such-chromium');
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/gradcheck.ts', 'audit', '--backend', 'cpu,webgl', '--op', 'relu'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, HANDGRAD_CHROMIUM: missing },
      timeout: 120_000,
    });
    expect(res.stderr.trim().split('\n')).toEqual([`gradcheck: --backend webgl needs Chromium, but ${missing} is not an executable: install it with \`apt-get install chromium\` (or set HANDGRAD_CHROMIUM to a chromium binary)`]);
    expect(res.stdout).toBe('');
    expect(res.status).toBe(2);
  });
});
