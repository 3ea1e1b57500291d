/**
 * auditTfjs(options): checks tfjs itself. Every kernel with a registered gradient in the loaded
 * tfjs is run through its public op (gradcheck/audit/cases.ts) on each asked backend:
 *
 *   order 1   gradcheck (fp32 differences, error-estimated, every coordinate)
 *   order 2   gradgradcheck (the gradient of the gradient, w.r.t. the inputs and the upstream dy)
 *   twin      with a float64 twin of the op: tfjs's first and second derivatives against float64
 *             differences of the twin, every coordinate (fp32~f64)
 *   vs cpu    on a backend other than the reference: forward values, first and second derivatives
 *             against the reference backend's (fp32~fp32)
 *
 * A failure is reported only when it is confirmed: by the float64 twin where the case has one,
 * else by per-coordinate fp32 re-checks of the failing coordinates. A check that fails and is not
 * confirmed is an `unconfirmed` row — a flaw of the audit, never a finding about tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradcheckResult, InputResult } from '../result.js';
import { unravelIndex } from '../result.js';
import { type CheckRow, compareRow } from '../rows.js';
import { absFloor, FP32_VS_FP32, fp32VsF64For, type Tolerance } from '../tolerances.js';
import { type AuditCase, auditCases, caseLabel, LEFT_OUT } from './cases.js';
import { caseCotangents, caseValues, caseWrt } from './inputs.js';
import { FIRST_THROWS, type Quantities } from './quantities.js';
import type { AuditResult, AuditRow, AuditStatus, Diagnosis, FailurePoint } from './result.js';
import { type AuditRunner, localRunner, type Measured } from './runner.js';
import { firstLine, FOLLOWS_FROM_FIRST } from './text.js';
import { type Derivative64, twinDerivatives, type TwinDerivatives } from './twins.js';

export interface AuditOptions {
  /** Backends to audit (registered here, or answered by one of `runners`); default the active one. */
  backends?: string[];
  /** Backend the others are compared with; default 'cpu'. */
  referenceBackend?: string;
  /** Only cases whose kernel or call names one of these (case-insensitive: 'Tanh', 'tanh', 'logSoftmax'). */
  ops?: string[];
  seed?: number;
  /** Called before each case and backend. */
  onCase?: (label: string, backend: string, done: number, total: number) => void;
  /** The cases to run; default auditCases(). */
  cases?: AuditCase[];
  /**
   * Backends that run elsewhere (a browser page's webgl or webgpu), by name: their runner answers
   * for them (runner.ts); every other backend must be registered here. The reference is always local.
   */
  runners?: AuditRunner[];
}

/** Element-wise verdicts of `actual` against `expected`, by compareRow's measure (so that a row and its failing points agree). */
function failingElements(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, reductionTerms: number, extraFloor?: ArrayLike<number>): number[] {
  let scale = 0;
  for (let i = 0; i < actual.length; i++) scale = Math.max(scale, Math.abs(actual[i]), Math.abs(expected[i]));
  const floor = absFloor(tol, scale, reductionTerms);
  const out: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      out.push(i);
      continue;
    }
    const atol = Math.max(floor, extraFloor?.[i] ?? 0) / tol.rtol;
    if (Math.abs(a - b) > tol.rtol * Math.max(Math.abs(a), Math.abs(b), atol)) out.push(i);
  }
  return out;
}

/** A twin's estimated error (truncation and rounding), as an absolute floor, with a safety factor of 4. */
const twinFloor = (ds: Derivative64[]): Float64Array => Float64Array.from(ds, (d) => 4 * d.error);

interface Compared {
  row: CheckRow;
  failing: number[];
}

function compareTwin(name: string, actual: Float32Array, expected: Derivative64[], tol: Tolerance, reductionTerms: number): Compared {
  const values = expected.map((d) => d.value);
  const floor = twinFloor(expected);
  const row = compareRow(name, 'tfjs vs f64 twin', actual, values, tol, { reductionTerms, extraFloor: floor });
  return { row, failing: failingElements(actual, values, tol, reductionTerms, floor) };
}

/** The per-input result of a gradcheck, named the audit's way: "∂/∂x" (and "∂/∂dy" at second order). */
function quantityName(c: AuditCase, wrt: number[], j: number): string {
  return j < wrt.length ? `∂/∂${c.inputs[wrt[j]].name}` : `∂/∂dy${j - wrt.length > 0 ? j - wrt.length : ''}`;
}

interface BackendRun {
  backend: string;
  quantities: Quantities;
  kernels: string[];
}

function savesOutput(kernel: string): boolean {
  const config = tf.getGradient(kernel);
  return config?.outputsToSave?.some(Boolean) ?? false;
}

function secondOrderDiagnosis(c: AuditCase, failingQuantities: number[], wrt: number[], firstPasses: boolean): Diagnosis {
  const onlyInputs = failingQuantities.every((j) => j < wrt.length);
  return firstPasses && onlyInputs && (c.savesOutput === true || savesOutput(c.kernel)) ? 'wrong second derivative (saved output detached)' : 'wrong second derivative';
}

function throwsDiagnosis(order: 1 | 2, message: string): { diagnosis: Diagnosis; detail: string } {
  if (/not registered for backend/.test(message)) return { diagnosis: 'kernel missing on the backend', detail: message };
  // A second order that fails because the first already does keeps the first order's diagnosis.
  const fromFirst = message.startsWith(FIRST_THROWS);
  if (/shape/.test(message) && /gradient/i.test(message) && !/not found|not registered/.test(message)) {
    return { diagnosis: order === 1 || fromFirst ? 'wrong first derivative' : 'wrong second derivative', detail: `the gradient has the wrong shape: ${message.replace(FIRST_THROWS, '')}${fromFirst ? ` (${FOLLOWS_FROM_FIRST})` : ''}` };
  }
  return { diagnosis: 'gradient throws', detail: message };
}

interface OrderInputs {
  c: AuditCase;
  order: 1 | 2;
  backend: string;
  runner: AuditRunner;
  wrt: number[];
  seed: number;
  run: BackendRun;
  reference?: BackendRun;
  twin?: TwinDerivatives;
  firstPasses: boolean;
}

/** The code that shows `failure`, run by the backend's runner (it prints the backend's own value). */
async function reproduce(input: OrderInputs, order: 1 | 2 | 'forward', failure: FailurePoint | undefined): Promise<string | undefined> {
  const outputShapes = input.run.quantities.outputShapes;
  if (failure === undefined || outputShapes === undefined) return undefined;
  try {
    return (await input.runner.ask({ kind: 'reproduce', label: caseLabel(input.c), seed: input.seed, order, outputShapes, failure })) ?? undefined;
  } catch {
    return undefined; // the runner failed (a browser page that lost its device): the row stands without a reproduction
  }
}

/** tfjs's value of quantity j at one order, flat. */
function tfjsQuantity(q: Quantities, order: 1 | 2, wrt: number[], j: number): Float32Array | undefined {
  if (order === 1) return q.first?.[j];
  return j < wrt.length ? q.secondX?.[j] : q.secondDy?.[j - wrt.length];
}

function twinQuantity(t: TwinDerivatives, order: 1 | 2, wrt: number[], j: number): Derivative64[] {
  if (order === 1) return t.first[j];
  return j < wrt.length ? t.secondX[j] : t.secondDy;
}

function shapeOf(c: AuditCase, q: Quantities, wrt: number[], j: number): number[] {
  return j < wrt.length ? c.inputs[wrt[j]].shape : q.outputShapes![j - wrt.length];
}

async function judgeDerivatives(input: OrderInputs): Promise<AuditRow> {
  const { c, order, backend, runner, wrt, seed, run, twin } = input;
  const started = performance.now();
  const base = { kernel: c.kernel, call: c.call, order, backend };
  const q = run.quantities;
  const elapsed = (): number => (performance.now() - started) / 1000;
  const error = order === 1 ? q.errors.first : q.errors.second;
  if (error !== undefined) {
    const { diagnosis, detail } = throwsDiagnosis(order, error);
    const status: AuditStatus = diagnosis === 'gradient throws' ? 'throws' : diagnosis === 'kernel missing on the backend' ? 'missing' : 'fail';
    if (status !== 'fail' || q.outputShapes === undefined || error.startsWith(FIRST_THROWS)) return { ...base, status, diagnosis, detail, checks: [], failures: [], seconds: elapsed() };
    // A gradient of the wrong shape: the reproduction shows tfjs throwing on the first input's gradient.
    const expected: FailurePoint = { quantity: quantityName(c, wrt, 0), quantityIndex: 0, coordinate: c.inputs[wrt[0]].shape.map(() => 0), tfjs: Number.NaN, reference: Number.NaN, referenceKind: "a gradient of each input's shape" };
    return { ...base, status, diagnosis, detail, checks: [], failures: [], confirmation: 'tfjs throws the same error on every call', reproduction: await reproduce(input, order, expected), seconds: elapsed() };
  }
  let fd: GradcheckResult;
  try {
    fd = await runner.ask({ kind: 'fd32', label: caseLabel(c), seed, order });
  } catch (error) {
    return { ...base, status: 'unconfirmed', detail: `the check could not run: ${firstLine(error)}`, checks: [], failures: [], seconds: elapsed() };
  }
  const checks: CheckRow[] = [...fd.rows];
  const quantitiesCount = order === 1 ? wrt.length : wrt.length + (q.outputShapes?.length ?? 0);
  const tol = fp32VsF64For(c.reductionTerms ?? 1);
  const reductionTerms = c.reductionTerms ?? 1;
  const twinFailing: number[][] = [];
  if (twin !== undefined) {
    for (let j = 0; j < quantitiesCount; j++) {
      const compared = compareTwin(`${caseLabel(c)} ${order === 2 ? '2nd order ' : ''}${quantityName(c, wrt, j)}`, tfjsQuantity(q, order, wrt, j)!, twinQuantity(twin, order, wrt, j), tol, reductionTerms);
      checks.push(compared.row);
      twinFailing.push(compared.failing);
    }
  }
  const vsReference: { j: number; failing: number[]; ref: Float32Array }[] = [];
  if (input.reference !== undefined) {
    const rq = input.reference.quantities;
    for (let j = 0; j < quantitiesCount; j++) {
      const mine = tfjsQuantity(q, order, wrt, j)!;
      const ref = tfjsQuantity(rq, order, wrt, j);
      if (ref === undefined) continue;
      const row = compareRow(`${caseLabel(c)} ${order === 2 ? '2nd order ' : ''}${quantityName(c, wrt, j)}`, `${backend} vs ${input.reference.backend}`, mine, ref, FP32_VS_FP32, { reductionTerms });
      checks.push(row);
      if (!row.pass) vsReference.push({ j, failing: failingElements(mine, ref, FP32_VS_FP32, reductionTerms), ref });
    }
  }

  const fdFailing = fd.inputs.map((r, j) => ({ r, j })).filter(({ r }) => !r.pass);
  const twinFails = twinFailing.some((f) => f.length > 0);
  const point = (j: number, index: number, tfjsValue: number, reference: number, referenceKind: string, referenceError?: number): FailurePoint => ({
    quantity: `${order === 2 ? '2nd order ' : ''}${quantityName(c, wrt, j)}`,
    quantityIndex: j,
    coordinate: unravelIndex(index, shapeOf(c, q, wrt, j)),
    tfjs: tfjsValue,
    reference,
    referenceKind,
    ...(referenceError === undefined ? {} : { referenceError }),
  });

  if (fd.pass && !twinFails) {
    if (vsReference.length === 0) return { ...base, status: 'pass', checks, failures: [], seconds: elapsed() };
    const failures = vsReference.flatMap(({ j, failing, ref }) => failing.slice(0, 4).map((i) => point(j, i, tfjsQuantity(q, order, wrt, j)![i], ref[i], input.reference!.backend)));
    return {
      ...base,
      status: 'fail',
      diagnosis: 'backend disagreement',
      detail: `${vsReference.map(({ j }) => quantityName(c, wrt, j)).join(', ')} differ from ${input.reference!.backend} beyond fp32~fp32, though both pass their own differences`,
      checks,
      failures,
      confirmation: `${backend} and ${input.reference!.backend} compute the same quantity at the same point`,
      reproduction: await reproduce(input, order, failures[0]),
      seconds: elapsed(),
    };
  }
  if (twin !== undefined) {
    if (!fd.pass && twinFails) {
      const failures = twinFailing.flatMap((failing, j) => {
        const fdIndices = new Set(fd.inputs[j]?.failingIndices ?? []);
        const ordered = [...failing.filter((i) => fdIndices.has(i)), ...failing.filter((i) => !fdIndices.has(i))];
        const ds = twinQuantity(twin, order, wrt, j);
        return ordered.slice(0, 4).map((i) => point(j, i, tfjsQuantity(q, order, wrt, j)![i], ds[i].value, 'float64 twin', ds[i].error));
      });
      const failingQuantities = twinFailing.flatMap((f, j) => (f.length > 0 ? [j] : []));
      const notFinite = failures.some((f) => !Number.isFinite(f.tfjs) && Number.isFinite(f.reference));
      const diagnosis: Diagnosis = notFinite ? 'NaN/Inf where the derivative is finite' : order === 1 ? 'wrong first derivative' : secondOrderDiagnosis(c, failingQuantities, wrt, input.firstPasses);
      const counts = twinFailing.map((f, j) => `${quantityName(c, wrt, j)} ${f.length}/${f.length === 0 ? (tfjsQuantity(q, order, wrt, j)?.length ?? 0) : tfjsQuantity(q, order, wrt, j)!.length}`).join(', ');
      return {
        ...base,
        status: 'fail',
        diagnosis,
        detail: `coordinates failing against the float64 twin: ${counts}`,
        checks,
        failures,
        confirmation: 'fp32 differences and float64 Richardson differences of the float64 twin both disagree with tfjs',
        reproduction: await reproduce(input, order, failures[0]),
        seconds: elapsed(),
      };
    }
    return {
      ...base,
      status: 'unconfirmed',
      detail: fd.pass ? 'the float64 twin disagrees with tfjs where fp32 differences agree: a flaw of the audit (twin or domain)' : 'fp32 differences fail where the float64 twin agrees with tfjs: a flaw of the audit (noise or a kink)',
      checks,
      failures: [],
      seconds: elapsed(),
    };
  }
  // No twin: re-check the failing coordinates one by one.
  const recheckCoordinates = [...new Set(fdFailing.flatMap(({ r }) => r.failingIndices))];
  const recheck = await runner.ask({ kind: 'fd32', label: caseLabel(c), seed, order, recheck: recheckCoordinates });
  checks.push(...recheck.rows.map((r) => ({ ...r, kind: `${r.kind} re-check` })));
  const confirmedInputs = recheck.inputs.map((r, j) => ({ r, j })).filter(({ r }) => !r.pass);
  if (confirmedInputs.length === 0) {
    return { ...base, status: 'unconfirmed', detail: 'the fast check fails but every coordinate passes on its own: a flaw of the audit (noise or a kink)', checks, failures: [], seconds: elapsed() };
  }
  const failures = confirmedInputs.flatMap(({ r, j }) => pointsFromRecheck(r).map(({ index, analytic, numeric }) => point(j, index, analytic, numeric, 'fp32 differences (per coordinate)')));
  const notFinite = failures.some((f) => !Number.isFinite(f.tfjs) && Number.isFinite(f.reference));
  const diagnosis: Diagnosis = notFinite ? 'NaN/Inf where the derivative is finite' : order === 1 ? 'wrong first derivative' : secondOrderDiagnosis(c, confirmedInputs.map(({ j }) => j), wrt, input.firstPasses);
  return {
    ...base,
    status: 'fail',
    diagnosis,
    detail: confirmedInputs.map(({ r, j }) => `${quantityName(c, wrt, j)}: ${r.failingIndices.length} coordinate(s) fail on their own`).join('; '),
    checks,
    failures,
    confirmation: 'the fast fp32 check and a per-coordinate fp32 re-check of the failing coordinates both disagree with tfjs',
    reproduction: await reproduce(input, order, failures[0]),
    seconds: elapsed(),
  };
}

/**
 * The forward values, checked with the order-1 row: against the float64 twin (fp32~f64) and the
 * reference backend (fp32~fp32). A forward failure leads the row; what the gradient checks found follows in its detail.
 */
async function judgeOrder(input: OrderInputs): Promise<AuditRow> {
  const row = await judgeDerivatives(input);
  const { c, order, run, twin, reference, backend } = input;
  const forward = run.quantities.forward;
  if (order !== 1 || forward === undefined || forward.length !== 1) return row;
  const reductionTerms = c.reductionTerms ?? 1;
  const shape = run.quantities.outputShapes![0];
  const checks: CheckRow[] = [];
  let failures: FailurePoint[] = [];
  let diagnosis: Diagnosis | undefined;
  let confirmation = '';
  if (twin !== undefined) {
    const tol = fp32VsF64For(reductionTerms);
    checks.push(compareRow(`${caseLabel(c)} forward`, 'tfjs vs f64 twin', forward[0], twin.forward, tol, { reductionTerms }));
    const failing = failingElements(forward[0], twin.forward, tol, reductionTerms);
    if (failing.length > 0) {
      diagnosis = 'wrong forward value';
      confirmation = 'the float64 twin computes the op directly';
      failures = failing.slice(0, 4).map((i) => ({ quantity: 'forward', quantityIndex: -1, coordinate: unravelIndex(i, shape), tfjs: forward[0][i], reference: twin.forward[i], referenceKind: 'float64 twin' }));
    }
  }
  const theirs = reference?.quantities.forward?.[0];
  if (reference !== undefined && theirs !== undefined) {
    const compared = compareRow(`${caseLabel(c)} forward`, `${backend} vs ${reference.backend}`, forward[0], theirs, FP32_VS_FP32, { reductionTerms });
    checks.push(compared);
    if (!compared.pass && diagnosis === undefined) {
      diagnosis = 'backend disagreement';
      confirmation = `${backend} and ${reference.backend} compute the same op on the same inputs`;
      failures = failingElements(forward[0], theirs, FP32_VS_FP32, reductionTerms)
        .slice(0, 4)
        .map((i) => ({ quantity: 'forward', quantityIndex: -1, coordinate: unravelIndex(i, shape), tfjs: forward[0][i], reference: theirs[i], referenceKind: reference.backend }));
    }
  }
  if (diagnosis === undefined) return { ...row, checks: [...checks, ...row.checks] };
  const gradients =
    row.status === 'pass'
      ? 'the gradient agrees with differences of this forward'
      : row.status === 'unconfirmed' && twin !== undefined
        ? 'the gradient matches the float64 twin, so differences of the wrong forward disagree with it'
        : `gradient: ${row.diagnosis ?? row.status}${row.detail === undefined ? '' : ` (${row.detail})`}`;
  return {
    ...row,
    status: 'fail',
    diagnosis,
    detail: `forward values wrong at ${failures.length}${failures.length === 4 ? '+' : ''} coordinate(s); ${gradients}`,
    checks: [...checks, ...row.checks],
    failures: [...failures, ...row.failures],
    confirmation,
    reproduction: await reproduce(input, 'forward', failures[0]),
  };
}

/** The re-check's own values: tfjs's gradient as the failing check read it (a kernel that varies between calls shows it here), and the differences. */
function pointsFromRecheck(r: InputResult): { index: number; analytic: number; numeric: number }[] {
  return (r.failingValues ?? []).slice(0, 4);
}

/**
 * tfjs's own kernel names: tfjs-core exports each as a constant equal to its name (kernel_names.ts).
 * Kernels that plugins register (handgrad's own, say) are not tfjs's and are not audited.
 */
function tfjsKernelNames(): string[] {
  return Object.entries(tf)
    .flatMap(([key, value]) => (typeof value === 'string' && key === value && /^[A-Z_]/.test(key) ? [key] : []))
    .sort();
}

function noGradientReason(kernel: string): string {
  if (/Grad|Backprop/.test(kernel)) return 'a backward kernel: a second derivative through a gradient that runs it throws';
  if (/^(All|Any|Equal|NotEqual|Greater|GreaterEqual|Less|LessEqual|Logical\w+|IsNan|IsInf|IsFinite|BitwiseAnd)$/.test(kernel)) return 'boolean output: nothing to differentiate';
  if (/^(_FusedMatMul|FusedConv2D|FusedDepthwiseConv2D)$/.test(kernel)) return 'fused op: tf.fused.* differentiates through a custom gradient of unfused kernels';
  if (/^(String|StaticRegex|Ragged|Sparse|NonMaxSuppression|Unique|TopK|Bincount|DenseBincount|Multinomial|SearchSorted|Range|LinSpace|Fill|Draw|FromPixels|BroadcastArgs)/.test(kernel)) return 'integer, string or index output, or no float input';
  return 'tfjs registers no gradient: tf.grad through its op throws';
}

/**
 * Runs the audit on each backend in `backends` (each registered with tfjs, or answered by one of
 * options.runners; the reference backend, cpu by default, first). Restores the active backend afterwards.
 */
export async function auditTfjs(options: AuditOptions = {}): Promise<AuditResult> {
  const started = performance.now();
  const previous = tf.getBackend();
  const referenceBackend = options.referenceBackend ?? 'cpu';
  const asked = options.backends ?? [previous];
  const backends = [referenceBackend, ...asked.filter((b) => b !== referenceBackend)];
  const auditReference = asked.includes(referenceBackend);
  const seed = options.seed ?? 0;
  const wanted = options.ops?.map((o) => o.toLowerCase());
  const all = options.cases ?? auditCases();
  const cases = wanted === undefined ? all : all.filter((c) => wanted.some((w) => c.kernel.toLowerCase() === w || c.kernel.toLowerCase() === `op:${w}` || c.call.toLowerCase().startsWith(`tf.${w}(`)));
  if (cases.length === 0) throw new Error(`audit: no case for ${options.ops?.join(', ')}`);

  await tf.setBackend(referenceBackend);
  const names = tfjsKernelNames();
  const onBackend = new Set(tf.getKernelsForBackend(referenceBackend).map((k) => k.kernelName));
  const kernelsWithGradient = names.filter((n) => tf.getGradient(n) !== undefined);
  const noGradient = names.filter((n) => onBackend.has(n) && tf.getGradient(n) === undefined).map((kernel) => ({ kernel, reason: noGradientReason(kernel) }));

  const runners = new Map(backends.map((b) => [b, (b === referenceBackend ? undefined : options.runners?.find((r) => r.backend === b)) ?? localRunner(b, options.cases)]));
  const environments = [...runners.values()].flatMap((r) => (r.description === undefined || !asked.includes(r.backend) ? [] : [[r.backend, r.description] as const]));
  const rows: AuditRow[] = [];
  const covered = new Set<string>();
  const total = cases.length * backends.length;
  let done = 0;
  try {
    for (const c of cases) {
      const values = caseValues(c, seed);
      const wrt = caseWrt(c);
      let referenceRun: BackendRun | undefined;
      let twin: TwinDerivatives | undefined;
      for (const backend of backends) {
        options.onCase?.(caseLabel(c), backend, done++, total);
        if (backend !== referenceBackend && !asked.includes(backend)) continue;
        const runner = runners.get(backend)!;
        const caseStarted = performance.now();
        let measured: Measured;
        try {
          measured = await runner.ask({ kind: 'measure', label: caseLabel(c), seed });
        } catch (error) {
          // The runner itself failed (a browser page that lost its WebGPU device, say): a flaw of the audit's run, not a finding.
          const detail = `the check could not run: ${firstLine(error)}`;
          for (const order of [1, 2] as const) rows.push({ kernel: c.kernel, call: c.call, order, backend, status: 'unconfirmed', detail, checks: [], failures: [], seconds: (performance.now() - caseStarted) / 1000 });
          continue;
        }
        if (measured.kind === 'throws') {
          const message = measured.message;
          const missing = /not registered|not implemented|not supported/i.test(message);
          for (const order of [1, 2] as const) {
            rows.push({ kernel: c.kernel, call: c.call, order, backend, status: missing ? 'missing' : 'throws', diagnosis: missing ? 'kernel missing on the backend' : 'gradient throws', detail: `the op throws: ${message}`, checks: [], failures: [], seconds: (performance.now() - caseStarted) / 1000 });
          }
          continue;
        }
        const run: BackendRun = { backend, quantities: measured.quantities, kernels: measured.kernels };
        if (backend === referenceBackend && run.kernels.includes(c.kernel)) covered.add(c.kernel);
        if (backend === referenceBackend) {
          referenceRun = run;
          const shapes = run.quantities.outputShapes;
          if (c.twin !== undefined && shapes !== undefined) {
            const cot1 = caseCotangents(c, seed, shapes, wrt, 1);
            const cot2 = caseCotangents(c, seed, shapes, wrt, 2);
            const xs64 = values.map((v) => Float64Array.from(v.data));
            const flat = (ds: Float32Array[]): Float64Array => Float64Array.from(ds.flatMap((d) => [...d]));
            twin = twinDerivatives(c.twin, xs64, values.map((v) => v.shape), wrt, flat(cot1.dy), flat(cot2.dy), cot2.c.map((v) => Float64Array.from(v)));
          }
          if (!auditReference) continue;
        }
        const reference = backend === referenceBackend ? undefined : referenceRun;
        const first = await judgeOrder({ c, order: 1, backend, runner, wrt, seed, run, reference, twin, firstPasses: true });
        // With a wrong first derivative, the twin's second derivative is not what tfjs differentiates: gradgradcheck
        // (the derivative of tfjs's own gradient) decides alone.
        const firstPasses = first.status === 'pass';
        const second = await judgeOrder({ c, order: 2, backend, runner, wrt, seed, run, reference, twin: firstPasses ? twin : undefined, firstPasses });
        const caseSeconds = (performance.now() - caseStarted) / 1000;
        first.seconds = caseSeconds - second.seconds;
        rows.push(first, second);
      }
    }
  } finally {
    await tf.setBackend(previous);
  }
  const caseKernels = new Set(all.map((c) => c.kernel));
  const leftOut = kernelsWithGradient
    .filter((k) => !caseKernels.has(k) || (wanted === undefined && !covered.has(k)))
    .map((kernel) => ({ kernel, reason: LEFT_OUT[kernel] ?? (caseKernels.has(kernel) ? 'its case did not run the kernel (see tf.profile)' : 'no case in the audit table') }));
  return {
    tfjsVersion: tf.version.tfjs ?? tf.version_core,
    date: new Date().toISOString().slice(0, 10),
    backends: asked,
    referenceBackend,
    kernelsWithGradient,
    covered: [...covered].sort(),
    leftOut,
    noGradient,
    rows,
    ...(environments.length > 0 ? { environments: Object.fromEntries(environments) } : {}),
    subset: wanted !== undefined,
    seconds: (performance.now() - started) / 1000,
  };
}
