/**
 * The audit of tfjs 4.22's own gradients: a CI-sized subset of ops with what the audit must find
 * (and must not), the table's coverage of every kernel with a registered gradient, and the
 * reproductions, run as a user would paste them.
 */
import { stripVTControlCharacters } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditResult, type AuditRow, auditCases, auditMarkdown, auditTfjs, formatAudit, LEFT_OUT } from '../../gradcheck/index.js';
import { caseValues } from '../../gradcheck/audit/inputs.js';

const find = (result: AuditResult, call: string, order: 1 | 2): AuditRow => {
  const row = result.rows.find((r) => r.call === call && r.order === order);
  if (row === undefined) throw new Error(`no row for ${call} at order ${order}`);
  return row;
};

/** Runs a reproduction as a pasted ES module in the repository (so that it resolves @tensorflow/tfjs). */
function runSnippet(code: string): { stdout: string; stderr: string; status: number | null } {
  const dir = mkdtempSync(join(process.cwd(), '.audit-repro-'));
  try {
    const file = join(dir, 'repro.mjs');
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    // console.log colours numbers where the environment asks for colour (FORCE_COLOR, as CI sets).
    return { stdout: stripVTControlCharacters(run.stdout), stderr: stripVTControlCharacters(run.stderr), status: run.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('audit of tfjs on cpu: a CI-sized subset', () => {
  let result: AuditResult;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    result = await auditTfjs({ ops: ['tanh', 'sigmoid', 'exp', 'sin', 'relu', 'add', 'matMul', 'softmax', 'maxPool', 'floorDiv', 'mirrorPad', 'logSoftmax'] });
  });

  it('finds the detached saved output of tanh, sigmoid, exp and softmax at second order, with float64 references; their first order passes', () => {
    for (const call of ['tf.tanh(x)', 'tf.sigmoid(x)', 'tf.exp(x)', 'tf.softmax(x)']) {
      expect(find(result, call, 1).status).toBe('pass');
      const second = find(result, call, 2);
      expect(second.status).toBe('fail');
      expect(second.diagnosis).toBe('wrong second derivative (saved output detached)');
      // Every coordinate w.r.t. x is wrong, none w.r.t. dy.
      expect(second.detail).toMatch(/∂\/∂x (\d+)\/\1, ∂\/∂dy 0\/\d+/);
      expect(second.failures.length).toBeGreaterThan(0);
      for (const f of second.failures) {
        expect(f.referenceKind).toBe('float64 twin');
        expect(f.tfjs).toBe(0);
        expect(Math.abs(f.reference)).toBeGreaterThan(100 * (f.referenceError ?? 0));
      }
      expect(second.reproduction).toBeDefined();
    }
  });

  it('passes what is right: sin and relu to second order, add with broadcasting, the transposed product', () => {
    for (const call of ['tf.sin(x)', 'tf.relu(x)', 'tf.add(a, b)', 'tf.matMul(a, b, true, true)']) {
      expect([call, find(result, call, 1).status, find(result, call, 2).status]).toEqual([call, 'pass', 'pass']);
    }
  });

  it('finds the wrong first derivatives: floorDiv (a step function) has a nonzero gradient, mirrorPad drops the mirrored copies, a broadcast matMul gives b a batch', () => {
    const floorDiv = find(result, "tf.cast(tf.floorDiv(a, b), 'float32')", 1);
    expect([floorDiv.status, floorDiv.diagnosis]).toEqual(['fail', 'wrong first derivative']);
    expect(floorDiv.failures.every((f) => f.reference === 0 && f.tfjs !== 0)).toBe(true);
    const mirrorPad = find(result, "tf.mirrorPad(x, [[1, 1], [2, 0]], 'reflect')", 1);
    expect([mirrorPad.status, mirrorPad.diagnosis]).toEqual(['fail', 'wrong first derivative']);
    expect(mirrorPad.failures.every((f) => f.referenceKind === 'float64 twin' && Math.abs(f.tfjs - f.reference) > 0.1)).toBe(true);
    const matMul = find(result, 'tf.matMul(a, b)', 1);
    expect([matMul.status, matMul.diagnosis]).toEqual(['fail', 'wrong first derivative']);
    expect(matMul.detail).toMatch(/input 'b' has shape '2,4,5'.*'4,5'/);
  });

  it('confirms a failure without a float64 twin by re-checking its coordinates one by one: logSoftmax, whose custom gradient reads its saved output', () => {
    const second = find(result, 'tf.logSoftmax(x)', 2);
    expect([second.status, second.diagnosis]).toEqual(['fail', 'wrong second derivative (saved output detached)']);
    expect(second.confirmation).toMatch(/per-coordinate/);
    expect(second.checks.some((c) => c.kind.endsWith('re-check') && !c.pass)).toBe(true);
    // tfjs's value and the fp32 differences concern the same quantity (the audit draws gradgradcheck's cotangents).
    for (const f of second.failures) {
      expect(f.referenceKind).toBe('fp32 differences (per coordinate)');
      expect(f.tfjs).toBe(0);
      expect(Math.abs(f.reference)).toBeGreaterThan(1e-3);
    }
  });

  it("reports maxPool's second order as throwing (no gradient for MaxPoolGrad), and no unconfirmed row", () => {
    expect(find(result, "tf.maxPool(x, 2, 1, 'valid')", 1).status).toBe('pass');
    const second = find(result, "tf.maxPool(x, 2, 1, 'valid')", 2);
    expect([second.status, second.diagnosis]).toEqual(['throws', 'gradient throws']);
    expect(second.detail).toMatch(/MaxPoolGrad/);
    expect(result.rows.filter((r) => r.status === 'unconfirmed')).toEqual([]);
  });

  it('reproductions print what the report says when pasted: tanh throws in tf.grad(tf.grad(…)), mirrorPad prints the wrong value', () => {
    const tanh = find(result, 'tf.tanh(x)', 2).reproduction!;
    const x = /tf\.scalar\(([^)]+)\)/.exec(tanh)![1];
    const tanhRun = runSnippet(tanh);
    expect(tanhRun.status).not.toBe(0);
    expect(tanhRun.stderr).toMatch(/Cannot compute gradient of y=f\(x\) with respect to x/);
    // The float64 value the comment gives is tanh″(x) = −2·tanh(x)·(1 − tanh²(x)).
    const t = Math.tanh(Number(x));
    expect(Number(/float64: (\S+)/.exec(tanh)![1])).toBeCloseTo(-2 * t * (1 - t * t), 6);
    const mirror = find(result, "tf.mirrorPad(x, [[1, 1], [2, 0]], 'reflect')", 1).reproduction!;
    const mirrorRun = runSnippet(mirror);
    expect(mirrorRun.status).toBe(0);
    expect(Number(mirrorRun.stdout.trim())).toBeCloseTo(Number(/tfjs: (\S+);/.exec(mirror)![1]), 6);
  });

  it('the text and Markdown reports carry the rows, the findings and the reproductions', () => {
    const text = formatAudit(result);
    expect(text).toMatch(/^Tanh\s+tf\.tanh\(x\)\s+2nd\s+FAIL/m);
    expect(text).toMatch(/a subset: --op/);
    const md = auditMarkdown(result, 'npx handgrad gradcheck audit --op tanh');
    expect(md).toMatch(/^# Gradients of TensorFlow\.js 4\.22\.0, audited$/m);
    expect(md).toMatch(/\*\*wrong second derivative \(saved output detached\)\*\*.*`tf\.tanh\(x\)`/);
    expect(md).toMatch(/no gradient for `MaxPoolGrad`/);
    expect(md).toMatch(/```js\nimport \* as tf from '@tensorflow\/tfjs'; \/\/ 4\.22\.0\nawait tf\.setBackend\('cpu'\);\nconst x = tf\.scalar/);
    expect(md.match(/^\| \S+ \| `[^`]+` \| (1st|2nd) \| cpu \|/gm)).toHaveLength(result.rows.length);
  });
});

describe("the audit's table", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('covers at least 90 % of the kernels with a registered gradient, and says why it leaves out the rest', () => {
    const withGradient = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .filter((k) => tf.getGradient(k) !== undefined);
    const inTable = new Set(auditCases().map((c) => c.kernel));
    const covered = withGradient.filter((k) => inTable.has(k));
    expect(covered.length / withGradient.length).toBeGreaterThanOrEqual(0.9);
    expect(withGradient.filter((k) => !inTable.has(k)).every((k) => LEFT_OUT[k] !== undefined)).toBe(true);
  });

  it("each case's public op runs its kernel (tf.profile), and its call, read as code, computes what fn does", async () => {
    for (const c of auditCases()) {
      const values = caseValues(c, 0);
      const xs = values.map((v) => tf.tensor(v.data, v.shape, v.dtype));
      const info = await tf.profile(() => c.fn(...xs));
      const fromFn = ((Array.isArray(info.result) ? info.result : [info.result]) as tf.Tensor[]).map((t) => Array.from(t.dataSync()));
      tf.dispose(info.result);
      if (!c.kernel.startsWith('op:')) expect([c.call, info.kernelNames]).toEqual([c.call, expect.arrayContaining([c.kernel])]);
      // The call is what the report prints and the reproductions paste: it must be the same computation.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the table's call strings are the code under test
      const fromCall = new Function('tf', ...c.inputs.map((i) => i.name), `return ${c.call};`) as (...args: unknown[]) => tf.Tensor | tf.Tensor[];
      const out = fromCall(tf, ...xs);
      expect([c.call, (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()))]).toEqual([c.call, fromFn]);
      tf.dispose(out);
      tf.dispose(xs);
    }
  });
});
