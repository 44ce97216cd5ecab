/**
 * Sharding: `--shard k/n` takes the runs whose index in plan order is ≡ k−1 (mod n). Plan order is
 * deterministic, so n machines given 1/n … n/n cover the plan exactly once, and round-robin keeps
 * each shard's mix of cheap and expensive runs (shallow and deep) about even.
 */
import type { Shard } from '../core/types.ts';

export function shardSlice<T>(items: readonly T[], shard: Shard | null): T[] {
  if (shard === null) return [...items];
  return items.filter((_, i) => i % shard.n === shard.k - 1);
}
