/**
 * npm run compare -- [--backend cpu|wasm|tensorflow|native|webgl|webgpu|all] [--layers 784,1000,10]
 *                    [--batch 64] [--seed 0] [--coordinates 64] [--json]
 * Exit 0: every row passed; 1: some row failed; 2: bad flags or an unusable backend.
 */
import * as tf from '@tensorflow/tfjs';
import { isBrowserBackend, probeBackend, useBackend, type BrowserBackend } from '../backends.js';
import { type CheckOptions, type CheckReport, runChecks } from '../checks/checks.js';
import { command, firstLine, isMainModule, runAsMain, UsageError } from './common.js';
import { COMPARE_USAGE, parseCli } from './compare_args.js';
import { formatJson, formatTable } from '../checks/table.js';
import { checkCompareFits } from '../train/memory.js';

function emit(report: CheckReport, json: boolean, seconds: number): void {
  console.log(json ? formatJson(report) : `${formatTable(report, seconds)}\n`);
}

/**
 * webgl and webgpu run in headless Chromium, in one page session (src/browser/, loaded only
 * here so the Node backends never load playwright-core). Returns [backends that ran, any failed].
 */
async function runInBrowser(backends: BrowserBackend[], checks: CheckOptions, all: boolean, json: boolean): Promise<[number, boolean]> {
  const { runCompareInBrowser } = await import('../browser/run_compare.js');
  const results = await runCompareInBrowser(backends, checks, { skipUnavailable: all });
  let ran = 0;
  let failed = false;
  for (const result of results) {
    if (result.kind === 'skipped') {
      (json ? console.error : console.log)(`${result.backend}: skipped — ${result.reason}`);
      continue;
    }
    ran++;
    if (result.kind === 'error') {
      console.error(`${result.backend}: error — ${result.message}`);
      failed = true;
      continue;
    }
    emit(result.report, json, result.seconds);
    failed ||= result.report.checks.some((r) => !r.pass);
  }
  return [ran, failed];
}

async function compareMain(argv: string[]): Promise<number> {
  tf.enableProdMode(); // no "install tfjs-node" banner from the cpu backend (the README says how to get tfjs-node)
  const options = parseCli(argv);
  if (options.help) {
    console.log(COMPARE_USAGE);
    return 0;
  }
  // Sizes that cannot fit (a weight matrix past a typed array's length, more than the free memory) are a bad flag, checked before allocation.
  const { layers, batch } = options.checks;
  try {
    checkCompareFits(layers, batch, { layers: `--layers ${layers.join(',')}`, batch: `--batch ${batch}` });
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  let failed = false;
  let ran = 0;
  for (const name of options.backends) {
    if (isBrowserBackend(name)) continue;
    if (options.all) {
      const probe = await probeBackend(name);
      if (!probe.available) {
        (options.json ? console.error : console.log)(`${name}: skipped — ${probe.reason}`);
        continue;
      }
    }
    try {
      await useBackend(name);
    } catch (error) {
      if (options.all) {
        (options.json ? console.error : console.log)(`${name}: skipped — ${firstLine(error)}`);
        continue;
      }
      throw new UsageError(firstLine(error));
    }
    const started = performance.now();
    let report: CheckReport;
    try {
      report = await runChecks(options.checks);
    } catch (error) {
      // A backend that loads but cannot run a check (a kernel missing, say) fails the run
      // without hiding the backends after it.
      console.error(`${name}: error — ${firstLine(error)}`);
      failed = true;
      ran++;
      continue;
    }
    emit(report, options.json, (performance.now() - started) / 1000);
    failed ||= report.checks.some((r) => !r.pass);
    ran++;
  }
  const browserBackends = options.backends.filter(isBrowserBackend);
  if (browserBackends.length > 0) {
    const [browserRan, browserFailed] = await runInBrowser(browserBackends, options.checks, options.all, options.json);
    ran += browserRan;
    failed ||= browserFailed;
  }
  if (ran === 0) throw new UsageError('--backend all: no backend could load');
  return failed ? 1 : 0;
}

/** `handgrad compare`: the bin's entry and this module's own when run as a script. */
export const run = command('compare', compareMain);

if (isMainModule(import.meta.url)) void runAsMain(run);
