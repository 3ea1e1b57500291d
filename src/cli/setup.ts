/**
 * npx handgrad setup tfjs-node [--wheel PATH | --python PATH] [--tensorflow-version V] [--force] [--prefix DIR]
 * Builds @tensorflow/tfjs-node's binding against the TensorFlow C library of a Python wheel, where
 * tfjs-node's own installer cannot download libtensorflow (tfjs#8742). See docs/tfjs-node.md.
 */
import { command, isMainModule, parseFlags, runAsMain, UsageError } from './common.js';
import { DEFAULT_TENSORFLOW_VERSION, setupTfjsNode } from './tfjs_node/install.js';

export const SETUP_USAGE = `usage: npx handgrad setup tfjs-node [--wheel PATH | --python PATH] [--tensorflow-version V] [--force] [--prefix DIR]

Makes the tensorflow backend (@tensorflow/tfjs-node) work. Its own installer downloads libtensorflow
2.9.1 from Google storage, which now answers 403 (tfjs#8742), so npm drops it. This command installs
the npm package without that step, takes the TensorFlow C library (libtensorflow_cc, libtensorflow_framework,
headers) from a TensorFlow wheel, compiles tfjs-node's own binding against it with node-gyp in a
staging copy, checks that the staged package loads and multiplies a matrix, and only then moves it
into place. If TFJS_NODE_CDN_STORAGE, TFJS_NODE_BASE_URI or npm_config_tfjs_binding_binary_host_mirror
is set, tfjs-node's own installer runs first and its result is kept if it works.

Where the TensorFlow C library comes from (first that applies):
  --wheel PATH              a tensorflow-cpu (or tensorflow) wheel file
  --python PATH             the tensorflow package installed in this Python (found without importing it)
  (neither)                 \`python3 -m pip download tensorflow-cpu==V\` (tensorflow==V on arm64 and macOS)
  --tensorflow-version V    the version pip downloads (default ${DEFAULT_TENSORFLOW_VERSION}: the TensorFlow handgrad is
                            tested with; its C library exports every TF_/TFE_ function tfjs-node 4.22's
                            binding calls, which this command checks before building, whatever the version)
  --force                   rebuild even when the same TensorFlow is already set up and working
  --prefix DIR              the project whose node_modules gets tfjs-node (default: the one handgrad is in)
  -h, --help                this text
Needs: Linux x64/arm64 or macOS; python3 (for node-gyp; with pip unless --wheel or --python); a C++
compiler, make and nm (Linux: apt-get install g++ make; macOS: xcode-select --install).
exit status: 0 set up (or already was), 1 the build failed, 2 a missing piece (named in one line)`;

const OPTIONS = {
  wheel: { type: 'string' },
  python: { type: 'string' },
  'tensorflow-version': { type: 'string', default: DEFAULT_TENSORFLOW_VERSION },
  force: { type: 'boolean', default: false },
  prefix: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const TARGETS = ['tfjs-node'] as const;

async function setupMain(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  if (target === '--help' || target === '-h') {
    process.stdout.write(`${SETUP_USAGE}\n`);
    return 0;
  }
  if (target === undefined || target.startsWith('-')) throw new UsageError(`missing what to set up (expected: ${TARGETS.join(', ')}; see --help)`);
  if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`unknown target "${target}" (expected: ${TARGETS.join(', ')})`);
  const flags = parseFlags(rest, OPTIONS);
  if (flags.help) {
    process.stdout.write(`${SETUP_USAGE}\n`);
    return 0;
  }
  if (flags.wheel !== undefined && flags.python !== undefined) throw new UsageError('--wheel and --python both name a TensorFlow: give one');
  const version = flags['tensorflow-version'];
  if (!/^\d+\.\d+\.\d+\S*$/.test(version)) throw new UsageError(`--tensorflow-version: "${version}" is not a version such as ${DEFAULT_TENSORFLOW_VERSION}`);
  return setupTfjsNode({
    wheel: flags.wheel,
    python: flags.python,
    tensorflowVersion: version,
    force: flags.force,
    prefix: flags.prefix,
    say: (line) => process.stdout.write(`setup tfjs-node: ${line}\n`),
  });
}

/** `handgrad setup`: the bin's entry and this module's own when run as a script. */
export const run = command('setup', setupMain);

if (isMainModule(import.meta.url)) void runAsMain(run);
