/**
 * The homework's split shuffles with `np.random.seed(521); np.random.shuffle(idx)`. To give the same
 * train/valid/test sets we reproduce numpy's legacy RandomState exactly:
 *  - MT19937 seeded with init_genrand(seed) (Matsumoto & Nishimura 1998; numpy's `mt19937_seed`);
 *  - shuffle = Fisher–Yates from the end: for i = n−1 … 1, j = random_interval(i), swap(i, j), where
 *    random_interval(max) draws 32-bit words masked to the smallest 2^k−1 ≥ max and rejects values > max.
 */
const N = 624;
const M = 397;

export type Mt19937 = { mt: Uint32Array; index: number };

export function mt19937(seed: number): Mt19937 {
  const mt = new Uint32Array(N);
  mt[0] = seed >>> 0;
  for (let i = 1; i < N; i++) {
    const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
    // 1812433253 * prev + i, in 32-bit arithmetic (split the multiply to stay exact).
    mt[i] = ((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i;
  }
  return { mt, index: N };
}

function twist(state: Mt19937): void {
  const mt = state.mt;
  for (let i = 0; i < N; i++) {
    const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
    mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
  }
  state.index = 0;
}

export function nextUint32(state: Mt19937): number {
  if (state.index >= N) twist(state);
  let y = state.mt[state.index++];
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}

function randomInterval(state: Mt19937, max: number): number {
  if (max === 0) return 0;
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  let value: number;
  do value = (nextUint32(state) & mask) >>> 0;
  while (value > max);
  return value;
}

/** The permutation that `np.random.seed(seed); np.random.shuffle(np.arange(n))` produces. */
export function numpyPermutation(n: number, seed: number): Int32Array {
  const state = mt19937(seed);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInterval(state, i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}
