/**
 * Seeded random numbers for everything we generate by hand (data, reference weights, probe batches).
 * tfjs ops take their own integer seeds; these generators are for JS-side draws.
 */

/** splitmix32: a fast, well-mixed 32-bit generator; state advances by a Weyl constant. */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** uint32 */
  nextU32(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** uniform in [0, 1) with 53 bits */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /** standard normal, Box–Muller (pairs cached) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  fillNormal(out: Float64Array | Float32Array, std = 1, mean = 0): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}

/** FNV-1a over a string, then avalanche: stable 32-bit hash. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A non-zero seed derived from a parent seed and labels. Never 0: tfjs reads seed 0 as "random".
 * Kept below 2^31 so it is a safe positive int32 everywhere tfjs stores seeds.
 */
export function deriveSeed(parent: number, ...labels: (string | number)[]): number {
  const h = hash32(`${parent >>> 0}|${labels.join('|')}`) & 0x7fffffff;
  return h === 0 ? 1 : h;
}
