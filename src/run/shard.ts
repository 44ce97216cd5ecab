/**
 * Sharding: `--shard k/n` takes the runs whose index in plan order is ≡ k−1 (mod n). Plan order is
 * deterministic, so n machines given 1/n … n/n cover the plan exactly once, and round-robin keeps
 * each shard's mix of cheap and expensive runs (shallow and deep) about even.
 */
import { inputError } from '../core/errors.ts';

export interface Shard {
  k: number;
  n: number;
}

/** `"2/3"` → {k: 2, n: 3}; InputError naming --shard otherwise. */
export function parseShard(v: unknown): Shard | null {
  if (v === undefined || v === null) return null;
  const m = typeof v === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v) : null;
  const k = m !== null ? Number(m[1]) : NaN;
  const n = m !== null ? Number(m[2]) : NaN;
  if (!(n >= 1 && k >= 1 && k <= n)) {
    throw inputError({ flag: 'shard', expected: 'k/n with 1 ≤ k ≤ n, e.g. 2/8', got: v });
  }
  return { k, n };
}

export function shardSlice<T>(items: readonly T[], shard: Shard | null): T[] {
  if (shard === null) return [...items];
  return items.filter((_, i) => i % shard.n === shard.k - 1);
}
