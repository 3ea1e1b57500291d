// `npm run build:wasm-simd`: compiles adam_simd.wat with wabt and writes its bytes to adam_simd_wasm.ts
// (the module is a few hundred bytes; shipping them avoids a compiler at run time). A test checks that
// the two files agree.
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

/** The binary of the .wat file beside this script. */
export async function compileAdamSimd() {
  const wabt = await wabtInit();
  const source = readFileSync(new URL('adam_simd.wat', import.meta.url), 'utf8');
  const module = wabt.parseWat('adam_simd.wat', source, { simd: true });
  try {
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** adam_simd_wasm.ts for `bytes`. */
export function adamSimdSource(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 24) lines.push(`  ${Array.from(bytes.subarray(i, i + 24)).join(', ')},`);
  return [
    '/** adam_simd.wat compiled by `npm run build:wasm-simd` (wabt); test/custom-ops/wasm_simd.test.ts checks they agree. */',
    'export const ADAM_SIMD_WASM: Uint8Array = new Uint8Array([',
    ...lines,
    ']);',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('adam_simd_wasm.ts', import.meta.url), adamSimdSource(await compileAdamSimd()));
}
