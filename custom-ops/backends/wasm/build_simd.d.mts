/** The binary of adam_simd.wat, compiled by wabt. */
export function compileAdamSimd(): Promise<Uint8Array>;
/** adam_simd_wasm.ts's text for `bytes`. */
export function adamSimdSource(bytes: Uint8Array): string;
