/**
 * Where the TensorFlow C library comes from: a wheel given by path, the tensorflow package of a
 * Python given by path (found without importing TensorFlow), or a wheel pip downloads. Planning is
 * cheap (it learns the version); `acquire` downloads what pip must, and `provide` puts the libraries
 * and headers where the build wants them.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetupError } from '../common.js';
import { type LibraryNames, runTool } from './tools.js';
import { extractWheel, readWheel, type Wheel } from './wheel.js';

export type SourcePlan =
  | { kind: 'wheel'; wheel: Wheel; version: string; label: string }
  | { kind: 'python'; python: string; packageDir: string; version: string; label: string }
  | { kind: 'pip'; python: string; requirement: string; version: string; label: string };

/** Finds the tensorflow package of a Python without importing it (importlib.util.find_spec), and its distribution's version. */
const FIND_TENSORFLOW = `
import importlib.util, importlib.metadata as md, json
spec = importlib.util.find_spec('tensorflow')
if spec is None or not spec.submodule_search_locations:
    print(json.dumps(None))
else:
    names = list(md.packages_distributions().get('tensorflow', [])) if hasattr(md, 'packages_distributions') else []
    version = None
    for name in names + ['tensorflow', 'tensorflow-cpu', 'tensorflow-macos', 'tensorflow-intel']:
        try:
            version = md.version(name)
            break
        except md.PackageNotFoundError:
            pass
    print(json.dumps({'dir': list(spec.submodule_search_locations)[0], 'version': version}))
`;

export async function planWheel(file: string, libs: LibraryNames): Promise<SourcePlan> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new SetupError(`--wheel ${file}: no such file`);
  if (!stat.isFile()) throw new SetupError(`--wheel ${file}: not a file`);
  const wheel = await readWheel(path.resolve(file), libs);
  return { kind: 'wheel', wheel, version: wheel.version, label: `wheel ${wheel.file}` };
}

export async function planPython(python: string, libs: LibraryNames, pipRequirement: string): Promise<SourcePlan> {
  const found = await runTool(python, ['-c', FIND_TENSORFLOW]);
  if (found.startError !== undefined) throw new SetupError(`--python ${python}: cannot run it (${found.startError})`);
  if (found.status !== 0) throw new SetupError(`--python ${python}: it failed to look for tensorflow (${lastLine(found.stderr)})`);
  const info = JSON.parse(found.stdout.trim().split('\n').at(-1) ?? 'null') as { dir: string; version: string | null } | null;
  if (info === null) throw new SetupError(`--python ${python} has no tensorflow package: \`${python} -m pip install ${pipRequirement}\`, or give a wheel with --wheel PATH`);
  for (const name of [libs.cc, libs.framework, 'include']) {
    if (!existsSync(path.join(info.dir, name))) {
      throw new SetupError(`--python ${python}: its tensorflow at ${info.dir} has no ${name} (a TensorFlow 2.x CPU package has it): install ${pipRequirement} there, or use --wheel PATH`);
    }
  }
  if (info.version === null) throw new SetupError(`--python ${python}: cannot tell which version its tensorflow at ${info.dir} is (no distribution metadata)`);
  return { kind: 'python', python, packageDir: info.dir, version: info.version, label: `tensorflow ${info.version} of ${python} (${info.dir})` };
}

export function planPip(python: string, pipPackageName: string, version: string): SourcePlan {
  const requirement = `${pipPackageName}==${version}`;
  return { kind: 'pip', python, requirement, version, label: `pip download ${requirement}` };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.trim() ?? '';
}

/** The first line pip prints that starts with ERROR, else its last line. */
function pipError(text: string): string {
  return text.split('\n').find((line) => line.startsWith('ERROR'))?.trim() ?? lastLine(text);
}

/** Downloads the wheel with pip into a fresh temporary folder; SetupError when pip is missing or fails. */
async function pipDownload(plan: Extract<SourcePlan, { kind: 'pip' }>, libs: LibraryNames): Promise<{ wheel: Wheel; folder: string }> {
  const pip = await runTool(plan.python, ['-m', 'pip', '--version']);
  if (pip.status !== 0) {
    throw new SetupError(`${plan.python} has no pip to download ${plan.requirement} (${pip.startError ?? lastLine(pip.stderr)}): install pip (apt-get install python3-pip), or give a wheel with --wheel PATH`);
  }
  const folder = mkdtempSync(path.join(tmpdir(), 'handgrad-tf-wheel-'));
  const download = await runTool(plan.python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--dest', folder, plan.requirement]);
  const file = readdirSync(folder).find((name) => name.endsWith('.whl'));
  if (download.status !== 0 || file === undefined) {
    rmSync(folder, { recursive: true, force: true });
    throw new SetupError(`pip could not download ${plan.requirement} (${pipError(download.stderr + download.stdout)}): give a wheel with --wheel PATH or a Python that has TensorFlow with --python PATH`);
  }
  try {
    return { wheel: await readWheel(path.join(folder, file), libs), folder };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** A source ready to copy from: the wheel (downloaded if pip's) or the installed package; `release` removes a download. */
export type ReadySource = { kind: 'wheel'; wheel: Wheel; release: () => void } | { kind: 'python'; packageDir: string; release: () => void };

/** Downloads the wheel when the plan is pip's; the slow step that can still fail before anything is staged. */
export async function acquire(plan: SourcePlan, libs: LibraryNames, say: (line: string) => void): Promise<ReadySource> {
  if (plan.kind === 'python') return { kind: 'python', packageDir: plan.packageDir, release: () => {} };
  if (plan.kind === 'wheel') return { kind: 'wheel', wheel: plan.wheel, release: () => {} };
  say(`downloading ${plan.requirement} with pip`);
  const downloaded = await pipDownload(plan, libs);
  return { kind: 'wheel', wheel: downloaded.wheel, release: () => rmSync(downloaded.folder, { recursive: true, force: true }) };
}

/** Puts the two libraries (under their wheel names) into libDir and the headers at includeDir (a symlink to an installed package's include/). */
export async function provide(source: ReadySource, libs: LibraryNames, libDir: string, includeDir: string, say: (line: string) => void): Promise<void> {
  if (source.kind === 'python') {
    say(`copying ${libs.cc} and ${libs.framework} from ${source.packageDir}`);
    for (const name of [libs.cc, libs.framework]) copyFileSync(path.join(source.packageDir, name), path.join(libDir, name));
    symlinkSync(path.join(source.packageDir, 'include'), includeDir, 'dir');
    return;
  }
  say(`extracting ${libs.cc}, ${libs.framework} and the headers from ${path.basename(source.wheel.file)}`);
  await extractWheel(source.wheel, libs, libDir, includeDir);
}
