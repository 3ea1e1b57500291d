/**
 * "Is this optional piece here, or do its tests skip, and why?" — the one place every test file asks.
 * On a user's machine a missing piece (the native addon, tfjs-node, Chromium, python3 with numpy)
 * skips its tests with the reason in their titles. Where HANDGRAD_REQUIRE_<PIECE>=1 (CI sets it for
 * native, tensorflow and chromium) a missing piece fails the test file at collection instead, with one
 * line, so a CI run cannot be green by skipping.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendAvailability, BackendName } from '../../src/backends.js';
import { chromiumPath } from '../../src/browser/chromium.js';

export type Piece = 'native' | 'tensorflow' | 'chromium' | 'numpy' | 'wasm' | 'cpu';

export interface Availability {
  available: boolean;
  /** Why it is missing ('' when available). */
  reason: string;
  /** '' when available, else ' (SKIPPED: <reason>)' for a describe or it title. */
  skipNote: string;
}

export function requireVariable(piece: Piece): string {
  return `HANDGRAD_REQUIRE_${piece.toUpperCase()}`;
}

/** Thrown at collection when a required piece is missing. */
export class MissingRequirementError extends Error {
  constructor(piece: Piece, reason: string) {
    super(`${requireVariable(piece)}=1, but ${piece} is missing: ${reason}`);
    this.name = 'MissingRequirementError';
  }
}

const warned = new Set<string>();

/** `missingReason` null: available. Otherwise skip with the reason, or throw when the piece is required. */
export function availability(piece: Piece, missingReason: string | null): Availability {
  if (missingReason === null) return { available: true, reason: '', skipNote: '' };
  if (process.env[requireVariable(piece)] === '1') throw new MissingRequirementError(piece, missingReason);
  if (!warned.has(piece)) {
    warned.add(piece);
    console.warn(`[tests] ${piece} missing, its tests skip (set ${requireVariable(piece)}=1 to fail instead): ${missingReason}`);
  }
  return { available: false, reason: missingReason, skipNote: ` (SKIPPED: ${missingReason})` };
}

const BACKEND_PIECE: Record<BackendName, Piece> = {
  cpu: 'cpu',
  wasm: 'wasm',
  native: 'native',
  tensorflow: 'tensorflow',
  webgl: 'chromium',
  webgpu: 'chromium',
};

const BACKEND_WHAT: Partial<Record<BackendName, string>> = {
  native: 'native addon not loadable',
  tensorflow: 'tfjs-node not loadable (`npx handgrad setup tfjs-node` builds it)',
};

/** A Node backend's probe (src/backends.ts probeBackend) as an availability. */
export function backendAvailability(probe: BackendAvailability): Availability {
  return availability(BACKEND_PIECE[probe.name], probe.available ? null : `${BACKEND_WHAT[probe.name] ?? `${probe.name} not loadable`}: ${probe.reason}`);
}

/** Headless Chromium for the browser tests (HANDGRAD_CHROMIUM or /usr/bin/chromium). */
export function chromiumAvailability(): Availability {
  try {
    chromiumPath();
    return availability('chromium', null);
  } catch (error) {
    return availability('chromium', (error as Error).message);
  }
}

/** python3 (HANDGRAD_PYTHON) that imports numpy, for the numpy references. */
export function numpyAvailability(): Availability {
  const python = process.env.HANDGRAD_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
  return availability('numpy', probe.status === 0 ? null : `${python} with numpy not available`);
}

/** A TensorFlow wheel in HANDGRAD_TF_WHEEL_DIR (CI downloads one there), for the tests that build tfjs-node from it. */
export function tensorflowWheel(): Availability & { wheel: string; version: string } {
  const dir = process.env.HANDGRAD_TF_WHEEL_DIR;
  const names = dir !== undefined && existsSync(dir) ? readdirSync(dir) : [];
  const name = names.find((f) => /^tensorflow(_cpu)?-\d[^-]*-.*\.whl$/.test(f));
  const found = availability('tensorflow', name === undefined ? `HANDGRAD_TF_WHEEL_DIR (${dir ?? 'unset'}) holds no tensorflow-cpu wheel to build tfjs-node from` : null);
  return { ...found, wheel: name === undefined || dir === undefined ? '' : join(dir, name), version: /^tensorflow(?:_cpu)?-([^-]+)-/.exec(name ?? '')?.[1] ?? '' };
}
