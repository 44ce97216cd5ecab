/** The 95% Wilson interval behind the headline's "learns k/n [low, high]". */
import { describe, expect, it } from 'vitest';
import { wilsonInterval, Z95 } from '../src/report/util.ts';

/** The score test's boundary on one side of k/n, by bisection: where (k − np)² = z²·np(1−p). */
function scoreBound(k: number, n: number, side: 'low' | 'high'): number {
  if (side === 'low' && k === 0) return 0;
  if (side === 'high' && k === n) return 1;
  const inside = (p: number) => (k - n * p) ** 2 <= Z95 * Z95 * n * p * (1 - p);
  // `out` is outside the interval, `inn` inside it (k/n always is)
  let [out, inn] = side === 'low' ? [0, k / n] : [1, k / n];
  for (let i = 0; i < 200; i++) {
    const m = (out + inn) / 2;
    if (inside(m)) inn = m;
    else out = m;
  }
  return (out + inn) / 2;
}

describe('wilsonInterval', () => {
  it.each([
    [9, 12],
    [18, 24],
    [0, 6],
    [0, 24],
    [3, 3],
    [1, 40],
    [17, 24],
  ])('k=%i n=%i equals the score test inverted by bisection (|a−r| ≤ 1e-12)', (k, n) => {
    const [lo, hi] = wilsonInterval(k, n)!;
    expect(Math.abs(lo - scoreBound(k, n, 'low'))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(hi - scoreBound(k, n, 'high'))).toBeLessThanOrEqual(1e-12);
  });

  it('0/n has the closed form [0, z²/(n + z²)]: 0/10 → [0, 0.2775] (|a−r| ≤ 1e-12)', () => {
    const [lo, hi] = wilsonInterval(0, 10)!;
    expect(lo).toBe(0);
    expect(Math.abs(hi - (Z95 * Z95) / (10 + Z95 * Z95))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(hi - 0.2775)).toBeLessThanOrEqual(5e-5);
  });

  it('why 24 seeds: 18/24 excludes ½ (low 0.551 > 0.5) where 9/12 does not (0.468); 0/24 is below 0.14', () => {
    expect(wilsonInterval(18, 24)![0]).toBeGreaterThan(0.5);
    expect(wilsonInterval(9, 12)![0]).toBeLessThan(0.5);
    expect(wilsonInterval(0, 24)![1]).toBeLessThan(0.14);
  });

  it('n = 0 has no interval', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
