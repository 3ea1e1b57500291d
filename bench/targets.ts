/**
 * The speed and memory targets the bench checks, as ratios measured in the same run: handgrad against
 * numpy (or autodiff against manual), each with a limit it must meet and, for some, a goal.
 */
import type { HomeworkRun, JobSection, RssRow, TargetRow, WSection } from './report.js';

interface TargetSpec {
  name: string;
  limit: number;
  goal: number | null;
}

export const TARGETS = {
  jobNative: { name: 'default job native', limit: 1.0, goal: 0.7 },
  jobWasm: { name: 'default job wasm', limit: 3.0, goal: null },
  jobTensorflow: { name: 'default job tensorflow', limit: 1.0, goal: null },
  nativeSgemm: { name: 'native sgemm build / OpenBLAS build', limit: 1.2, goal: null },
  homework: { name: 'homework native', limit: 1.0, goal: 0.9 },
  homeworkTensorflow: { name: 'homework tensorflow', limit: 1.0, goal: null },
  wManual: { name: 'W native manual', limit: 1.0, goal: null },
  wAutodiff: { name: 'W autodiff vs manual', limit: 1.3, goal: null },
  homeworkRss: { name: 'homework peak RSS', limit: 2.0, goal: null },
} as const satisfies Record<string, TargetSpec>;

export function judge(spec: TargetSpec, value: number | null, detail: string): TargetRow {
  const status = value === null || !Number.isFinite(value) ? 'not measured' : spec.goal !== null && value <= spec.goal ? 'goal met' : value <= spec.limit ? 'met' : 'not met';
  return { name: spec.name, value: value !== null && Number.isFinite(value) ? value : null, limit: spec.limit, goal: spec.goal, status, detail };
}

export interface TargetInputs {
  job: JobSection | null;
  w: WSection | null;
  homework: HomeworkRun | { skipped: string } | null;
  rss: RssRow[];
}

export function computeTargets({ job, w, homework, rss }: TargetInputs): TargetRow[] {
  const jobTarget = (spec: TargetSpec, backend: string): TargetRow => {
    const run = job?.runs.find((r) => r.backend === backend);
    const subset = run?.subset ? '; subset' : '';
    return judge(spec, run?.ratio?.median ?? null, run?.ratio ? `median of ${run.ratio.n} per-epoch ratios, range ${run.ratio.min.toFixed(2)}–${run.ratio.max.toFixed(2)}${subset}` : `${backend} default job not run`);
  };
  const wRow = (grads: string) => w?.timings.find((t) => t.backend === 'native' && t.grads === grads);
  const manual = wRow('manual');
  const autodiff = wRow('autodiff');
  const run = homework && !('skipped' in homework) ? homework : null;
  const homeworkRss = run ? rss.find((r) => r.section === 'homework') : undefined;
  const nativeRatio = job?.runs.find((r) => r.backend === 'native')?.ratio?.median;
  const sgemmRatio = job?.runs.find((r) => r.backend === 'native sgemm')?.ratio?.median;
  const homeworkOn = (spec: TargetSpec, backend: string): TargetRow =>
    judge(
      spec,
      run?.backend === backend ? run.ratio : null,
      run?.backend === backend && run.chunkRatios ? `total of ${run.epochs} epochs; per ${run.chunkEpochs}-epoch chunk ${run.chunkRatios.min.toFixed(2)}–${run.chunkRatios.max.toFixed(2)}` : `homework setting not run on ${backend}${run ? ` (ran on ${run.backend})` : ''}`,
    );
  return [
    jobTarget(TARGETS.jobNative, 'native'),
    jobTarget(TARGETS.jobWasm, 'wasm'),
    jobTarget(TARGETS.jobTensorflow, 'tensorflow'),
    judge(
      TARGETS.nativeSgemm,
      nativeRatio !== undefined && sgemmRatio !== undefined ? sgemmRatio / nativeRatio : null,
      nativeRatio !== undefined && sgemmRatio !== undefined ? `default job × numpy: ${sgemmRatio.toFixed(2)} on the own-sgemm build, ${nativeRatio.toFixed(2)} on the OpenBLAS build` : 'native sgemm build not run',
    ),
    homeworkOn(TARGETS.homework, 'native'),
    homeworkOn(TARGETS.homeworkTensorflow, 'tensorflow'),
    judge(TARGETS.wManual, manual?.vsNumpy ?? null, manual ? `median of ${manual.epochs} epochs against numpy's median of the same block` : 'W not run on native'),
    judge(TARGETS.wAutodiff, manual && autodiff ? autodiff.medianMs / manual.medianMs : null, manual && autodiff ? `native autodiff median ${autodiff.medianMs.toFixed(0)} ms / manual ${manual.medianMs.toFixed(0)} ms` : 'W not run on native'),
    judge(
      TARGETS.homeworkRss,
      homeworkRss?.numpyMiB ? homeworkRss.handgradMiB / homeworkRss.numpyMiB : null,
      homeworkRss?.numpyMiB ? `handgrad ${homeworkRss.handgradMiB.toFixed(0)} MiB / numpy ${homeworkRss.numpyMiB.toFixed(0)} MiB (each process's VmHWM)` : 'homework setting not run with numpy',
    ),
  ];
}
