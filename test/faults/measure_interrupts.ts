/**
 * The README's interruption numbers: N runs (default 10) of Ctrl-C in a real terminal through each
 * launcher, and of SIGTERM to the trainer and to npm alone, each checked like the fault suite does
 * (exit status, one interrupt line, the checkpoint = the last reported epoch, no temp debris, the
 * checkpoint verifies, --resume one epoch further gives the uninterrupted run's numbers).
 *
 *   npx tsx test/faults/measure_interrupts.ts [N]
 */
import { join } from 'node:path';
import { trainMain } from '../../src/cli/train.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { disposeTrainState } from '../../src/train/loop.js';
import { readRunFile } from '../../src/train/run_files.js';
import { checkpointEpoch, epochLines, metricRows, ptyRun, spawnProcess, spawnTrain, tempDebris, tempDir } from './helpers.js';

const RUN = ['--train-size', '2000', '--valid-size', '500', '--test-size', '500', '--hidden', '32', '--batch-size', '64', '--backend', 'cpu', '--checkpoint-every', '3600'];
const AFTER_EPOCH_2 = /epoch 2\/40 +train loss/;
const runs = Number(process.argv[2] ?? 10);
const root = tempDir('measure');

async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Why a stopped run is not clean, or null when it is. */
async function problem(out: string, output: string, code: number | null, expectedCode: number, reference: string[]): Promise<string | null> {
  if (code !== expectedCode) return `exit ${code}`;
  if ((output.match(/(interrupt|SIGTERM|SIGHUP): stopping/g) ?? []).length !== 1) return 'not exactly one stop line';
  const epoch = checkpointEpoch(out);
  if (epoch < 2) return `checkpoint epoch ${epoch}`;
  if (epoch !== epochLines(output).length) return `checkpoint ${epoch} ≠ ${epochLines(output).length} reported`;
  if (tempDebris(out).length > 0) return `debris ${tempDebris(out).join()}`;
  const state = loadCheckpoint(out, readRunFile(out).config);
  disposeTrainState(state);
  if ((await quietly(() => trainMain(['--resume', out, '--epochs', String(epoch + 1), '--json']))) !== 0) return 'resume failed';
  if (JSON.stringify(metricRows(out)) !== JSON.stringify(reference.slice(0, epoch + 1))) return 'resumed numbers differ';
  return null;
}

async function main(): Promise<void> {
  const whole = join(root, 'reference');
  await quietly(() => trainMain([...RUN, '--epochs', '8', '--json', '--out', whole]));
  const reference = metricRows(whole);
  const cases: [string, (out: string) => Promise<{ code: number | null; output: string }>, number][] = [
    ...['npm run -s train --', 'npx --no-install --ignore-scripts handgrad train', 'node bin/handgrad.mjs train'].map(
      (launcher) =>
        [
          `Ctrl-C, pty, ${launcher}`,
          async (out: string) => {
            const r = await ptyRun(`${launcher} ${RUN.join(' ')} --epochs 40 --out ${out}`, AFTER_EPOCH_2);
            return { code: r.code, output: r.stdout };
          },
          130,
        ] as [string, (out: string) => Promise<{ code: number | null; output: string }>, number],
    ),
    [
      'SIGTERM to the trainer',
      async (out) => {
        let sent = false;
        const r = await spawnTrain([...RUN, '--epochs', '40', '--no-progress', '--out', out], {
          onOutput: (text, pid) => {
            if (!sent && AFTER_EPOCH_2.test(text)) {
              sent = true;
              process.kill(pid, 'SIGTERM');
            }
          },
        });
        return { code: r.code, output: r.stdout + r.stderr };
      },
      143,
    ],
    [
      'SIGTERM to npm run alone',
      async (out) => {
        let sent = false;
        const r = await spawnProcess('npm', ['run', '-s', 'train', '--', ...RUN, '--epochs', '40', '--no-progress', '--out', out], {
          onOutput: (text, pid) => {
            if (!sent && AFTER_EPOCH_2.test(text)) {
              sent = true;
              process.kill(pid, 'SIGTERM');
            }
          },
        });
        return { code: r.code, output: r.stdout + r.stderr };
      },
      143,
    ],
  ];
  for (const [name, start, expectedCode] of cases) {
    const failures: string[] = [];
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(root, `${name.replace(/\W+/g, '-')}-${i}`);
      const t0 = performance.now();
      const { code, output } = await start(out);
      times.push((performance.now() - t0) / 1000);
      const why = await problem(out, output, code, expectedCode, reference);
      if (why !== null) failures.push(`run ${i + 1}: ${why}`);
    }
    console.log(`${name}: ${runs - failures.length} of ${runs} clean (median ${times.sort((a, b) => a - b)[Math.floor(times.length / 2)].toFixed(1)} s a run)${failures.length ? `; ${failures.join('; ')}` : ''}`);
  }
}

void main();
