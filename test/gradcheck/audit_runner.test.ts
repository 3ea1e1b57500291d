/**
 * auditTfjs with a backend answered by a runner (as the page answers for webgl and webgpu): its
 * answers are judged beside the local cpu like any backend's, and a runner that fails on a case
 * gives that case unconfirmed rows saying so, and the audit goes on.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditResult, type AuditRow, auditTfjs } from '../../gradcheck/index.js';
import { type AuditRunner, localRunner } from '../../gradcheck/audit/runner.js';

const find = (result: AuditResult, kernel: string, order: 1 | 2): AuditRow => {
  const row = result.rows.find((r) => r.kernel === kernel && r.order === order && r.backend === 'elsewhere');
  if (row === undefined) throw new Error(`no row for ${kernel} at order ${order}`);
  return row;
};

describe('audit through a runner', () => {
  let result: AuditResult;
  const asked: string[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const cpu = localRunner('cpu');
    // A backend "elsewhere" that computes on cpu, and whose engine dies whenever tanh is measured.
    const elsewhere: AuditRunner = {
      backend: 'elsewhere',
      ask: async (request) => {
        asked.push(request.kind);
        if (request.kind === 'measure' && request.label.startsWith('Tanh')) throw new Error('the page lost its WebGPU device');
        return cpu.ask(request);
      },
    };
    result = await auditTfjs({ backends: ['elsewhere'], ops: ['relu', 'tanh', 'sigmoid'], runners: [elsewhere] });
  });

  it("judges the runner's answers beside cpu's: identical values pass with zero error", () => {
    expect(new Set(asked)).toEqual(new Set(['measure', 'fd32', 'reproduce']));
    const relu = find(result, 'Relu', 1);
    expect(relu.status).toBe('pass');
    const vsCpu = relu.checks.filter((c) => c.kind === 'elsewhere vs cpu');
    expect(vsCpu.map((c) => c.name)).toEqual(['Relu · tf.relu(x) forward', 'Relu · tf.relu(x) ∂/∂x']);
    for (const c of vsCpu) expect([c.maxRelErr, c.pass, c.total]).toEqual([0, true, 12]);
    // sigmoid's known second-order bug is found through the runner, reproduced by it.
    const sigmoid = find(result, 'Sigmoid', 2);
    expect([sigmoid.status, sigmoid.diagnosis]).toEqual(['fail', 'wrong second derivative (saved output detached)']);
    expect(sigmoid.reproduction).toContain("await tf.setBackend('cpu');");
  });

  it('a case the runner fails on is unconfirmed at both orders, naming the fault, and the next case still runs', () => {
    for (const order of [1, 2] as const) {
      const row = find(result, 'Tanh', order);
      expect([row.status, row.diagnosis, row.detail]).toEqual(['unconfirmed', undefined, 'the check could not run: the page lost its WebGPU device']);
    }
    expect(result.rows.filter((r) => r.backend === 'elsewhere').map((r) => r.kernel)).toEqual(['Relu', 'Relu', 'Sigmoid', 'Sigmoid', 'Tanh', 'Tanh']);
  });
});
