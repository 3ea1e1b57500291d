/**
 * handgrad's layers, one way: a folder imports only from the layers below it, never upward or
 * sideways, and no two modules import each other, however indirectly (`npm run depcruise`; CI).
 *
 *   application   bin/ · src/cli/ (commands + CLI toolkit) · bench/ · web/ (page) · src/browser/ (page's Node driver)
 *   src/          trainer (src/train), worked examples (src/examples), compare command (src/checks)
 *                   above readers (src/data), model (src/model), float64 reference (src/reference),
 *                   learning curves (src/plot), backend selection (src/backends.ts)
 *   native/       the native backend (may import custom-ops)
 *   gradcheck/      the checker, handgrad/gradcheck (imports only custom-ops)
 *   custom-ops/   the plugin, handgrad (imports nothing of ours)
 *
 * Type-only imports count as edges. Imports hidden in a string variable are refused by ESLint
 * (no-restricted-syntax in eslint.config.js), so every edge is one this file can see.
 */

/** Everything of ours that lives in a given layer or above it. */
const APPLICATION = '^(bin|bench|web)/|^src/(cli|browser)/';
const SRC = '^src/';
const SRC_LEAVES = '^src/(data|model|plot|reference)/|^src/backend(s|_speed)\\.ts$';
const OURS = '^(bin|bench|web|src|native|gradcheck|custom-ops)/';

/** What a page or any browser bundle must never reach: Node built-ins, the addon, Node-only packages. */
const NODE_ONLY = [
  `^(node:)?(${require('node:module').builtinModules.join('|')})$`,
  '^native/(?!browser\\.ts$)',
  '^src/(backends\\.ts|backend_speed\\.ts|cli/|browser/(?!protocol\\.ts$)|data/(load|node)\\.ts|train/(checkpoint|run_files|atomic)\\.ts|plot/render\\.ts)',
  '(^|/)node_modules/(@tensorflow/tfjs-node|playwright-core|vite|cli-progress|vega)/',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or loaded) one after the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'custom-ops-imports-nothing-of-ours',
      severity: 'error',
      comment: 'The plugin (handgrad) is the bottom layer: it depends on tfjs only.',
      from: { path: '^custom-ops/' },
      to: { path: OURS, pathNot: '^custom-ops/' },
    },
    {
      name: 'checker-imports-only-the-plugin',
      severity: 'error',
      comment: 'The checker (handgrad/gradcheck) may use the plugin and nothing else of ours.',
      from: { path: '^gradcheck/' },
      to: { path: OURS, pathNot: '^(gradcheck|custom-ops)/' },
    },
    {
      name: 'native-imports-only-the-plugin',
      severity: 'error',
      comment: 'The native backend (handgrad/native) registers the plugin kernels on itself and imports nothing above.',
      from: { path: '^native/' },
      to: { path: OURS, pathNot: '^(native|custom-ops)/' },
    },
    {
      name: 'src-not-into-the-application',
      severity: 'error',
      comment: 'The library part of src/ (trainer, data, model, plot, examples, compare command) never imports a command, the bench, the page or its driver.',
      from: { path: SRC, pathNot: APPLICATION },
      to: { path: APPLICATION },
    },
    {
      name: 'src-leaves-stay-below-the-trainer',
      severity: 'error',
      comment: 'Readers, the model, the float64 reference, the plot and backend selection know nothing of the trainer, the worked examples or the compare command.',
      from: { path: SRC_LEAVES },
      to: { path: '^src/(train|examples|checks)/' },
    },
    {
      name: 'src-leaves-are-siblings',
      severity: 'error',
      comment: 'The leaves of src/ do not import one another (each folder only itself).',
      from: { path: '^src/(data|model|plot|reference)/' },
      to: { path: SRC_LEAVES, pathNot: '^src/$1/' },
    },
    {
      name: 'src-top-are-siblings',
      severity: 'error',
      comment: 'The trainer, the worked examples and the compare command do not import one another.',
      from: { path: '^src/(train|examples|checks)/' },
      to: { path: '^src/(train|examples|checks)/', pathNot: '^src/$1/' },
    },
    {
      name: 'commands-not-into-bench',
      severity: 'error',
      comment: 'bench/ uses the CLI toolkit; the commands and the page driver do not use the bench.',
      from: { path: '^src/' },
      to: { path: '^bench/' },
    },
    {
      name: 'page-driver-not-into-commands',
      severity: 'error',
      comment: "src/browser (the page's Node driver) serves the commands; it does not import them.",
      from: { path: '^src/browser/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'page-and-driver-share-only-the-protocol',
      severity: 'error',
      comment: 'The page and its Node driver meet in one module, src/browser/protocol.ts; neither imports the other otherwise.',
      from: { path: '^web/(?!vite\\.config\\.ts$)' },
      to: { path: '^(src/browser/(?!protocol\\.ts$)|src/cli/|bench/)' },
    },
    {
      name: 'driver-not-into-the-page',
      severity: 'error',
      from: { path: '^src/browser/' },
      to: { path: '^web/' },
    },
    {
      name: 'browser-bundles-stay-browser-safe',
      severity: 'error',
      comment:
        "The page and the package's browser-safe subpaths (handgrad, /gradcheck, /model, /train, /data, /native's browser stub) must not reach Node built-ins, the addon or Node-only modules.",
      from: {
        path: '^(web/main\\.ts|custom-ops/index\\.ts|gradcheck/index\\.ts|src/(model|train|data)/index\\.ts|native/browser\\.ts)$',
      },
      to: { path: NODE_ONLY, reachable: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      from: {},
      // bin/handgrad.mjs imports the compiled commands (dist/), which exist after `npm run build`.
      to: { couldNotResolve: true, pathNot: '^\\.\\./dist/' },
    },
    {
      name: 'shipped-code-not-to-dev-dependencies',
      severity: 'error',
      comment:
        "Code that ships in the package uses dependencies only; src/browser/build.ts's vite is the one exception (it rebuilds the page in a development checkout; the package ships the page built).",
      from: { path: '^(custom-ops|gradcheck|native|src|bench)/', pathNot: '^src/browser/build\\.ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(native/build|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.d.ts', '.json'],
    },
    reporterOptions: {
      archi: { collapsePattern: '^(custom-ops|gradcheck|native|bench|web|bin)/|^src/[^/]+' },
    },
  },
};
