// `npm run build:wasm-simd`: compiles each hand-written .wat module beside this script with wabt and writes
// its bytes to a TypeScript file (the modules are a few hundred bytes; shipping them avoids a compiler at
// run time). A test checks that each pair agrees.
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

/** The modules: source, generated file, and the name of the constant holding the bytes. */
export const SIMD_MODULES = [
  { wat: 'adam_simd.wat', ts: 'adam_simd_wasm.ts', constant: 'ADAM_SIMD_WASM' },
  { wat: 'zero_skipping.wat', ts: 'zero_skipping_wasm.ts', constant: 'ZERO_SKIPPING_WASM' },
];

/** The binary of the .wat file `wat` beside this script. */
export async function compileWat(wat) {
  const wabt = await wabtInit();
  const source = readFileSync(new URL(wat, import.meta.url), 'utf8');
  const module = wabt.parseWat(wat, source, { simd: true });
  try {
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The generated file's text for `bytes` of `module`. */
export function simdSource(module, bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 24) lines.push(`  ${Array.from(bytes.subarray(i, i + 24)).join(', ')},`);
  return [
    `/** ${module.wat} compiled by \`npm run build:wasm-simd\` (wabt); test/custom-ops/wasm_simd.test.ts checks they agree. */`,
    `export const ${module.constant}: Uint8Array = new Uint8Array([`,
    ...lines,
    ']);',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const module of SIMD_MODULES) writeFileSync(new URL(module.ts, import.meta.url), simdSource(module, await compileWat(module.wat)));
}
