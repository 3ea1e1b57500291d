/** The hand-written WASM SIMD modules: source, generated file, and the constant holding the bytes. */
export const SIMD_MODULES: readonly { wat: string; ts: string; constant: string }[];
/** The binary of the .wat file `wat` beside build_simd.mjs, compiled by wabt. */
export function compileWat(wat: string): Promise<Uint8Array>;
/** The generated file's text for `bytes` of `module`. */
export function simdSource(module: { wat: string; constant: string }, bytes: Uint8Array): string;
