/**
 * Gaussian expectations E[f(z)], z ~ N(mean, variance), by Gauss–Hermite quadrature.
 *
 * Nodes and weights for ∫ e^{−x²} g(x) dx are found by Newton's method on the orthonormal Hermite
 * recurrence, started from the usual asymptotic guesses for the roots. A Gauss–Hermite rule is
 * exact for polynomials of degree < 2n and converges fast for smooth f; for activations with a kink
 * (relu, leaky_relu, elu, selu) the integral is split at the kink and each side is integrated with
 * the same machinery on the half line (see `gaussianExpectation`).
 */

export interface Rule {
  nodes: Float64Array;
  weights: Float64Array;
}

const cache = new Map<number, Rule>();

/** n-point Gauss–Hermite rule for the weight e^{−x²} on the real line. */
export function gaussHermite(n: number): Rule {
  const hit = cache.get(n);
  if (hit !== undefined) return hit;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  const m = Math.floor((n + 1) / 2);
  const pim4 = Math.pow(Math.PI, -0.25);
  let z = 0;
  for (let i = 0; i < m; i++) {
    // Initial guesses for the largest roots downwards (asymptotics of Hermite zeros).
    if (i === 0) z = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(n, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * nodes[0]!;
    else if (i === 3) z = 1.91 * z - 0.91 * nodes[1]!;
    else z = 2 * z - nodes[i - 2]!;
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    nodes[i] = z;
    nodes[n - 1 - i] = -z;
    weights[i] = 2 / (pp * pp);
    weights[n - 1 - i] = weights[i]!;
  }
  const rule = { nodes, weights };
  cache.set(n, rule);
  return rule;
}

/** Default rule size: exact for polynomials of degree < 160, plenty for tanh/gelu/swish/sigmoid. */
export const GH_POINTS = 80;

/**
 * E[f(μ + σ z)], z ~ N(0,1). Smooth f: an n-point Gauss–Hermite rule. When `kink` is given (a
 * point where f is not smooth, e.g. 0 for relu), Gauss–Hermite would converge only algebraically, so
 * the line is split there and each side, where f is smooth, is integrated against the Gaussian
 * density with composite Gauss–Legendre panels out to |z| = 9 (beyond it φ(z) < 1e-18), `order` points
 * per panel (default 20).
 */
export function gaussianExpectation(
  f: (x: number) => number,
  mean = 0,
  variance = 1,
  opts: { kink?: number; points?: number; order?: number } = {},
): number {
  const sd = Math.sqrt(Math.max(0, variance));
  if (sd === 0) return f(mean);
  const n = opts.points ?? GH_POINTS;
  if (opts.kink === undefined) {
    const { nodes, weights } = gaussHermite(n);
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i]! * f(mean + sd * Math.SQRT2 * nodes[i]!);
    return s / Math.sqrt(Math.PI);
  }
  const order = opts.order ?? 20;
  if (opts.kink === mean) {
    // split at the mean (every zero-mean moment): the standard-unit rule is the same for every variance, so
    // it is built once per order — the length map's fixed point evaluates thousands of these
    const r = centredRule(order);
    let s = 0;
    for (let i = 0; i < r.z.length; i++) s += r.w[i]! * f(mean + sd * r.z[i]!);
    return s;
  }
  const r = gaussianRule(mean, variance, opts.kink, order);
  let s = 0;
  for (let i = 0; i < r.x.length; i++) s += r.w[i]! * f(r.x[i]!);
  return s;
}

const centredCache = new Map<number, { z: Float64Array; w: Float64Array }>();
/** halfLine's nodes (standard units) and weights split at 0, both sides, cached per order. */
function centredRule(order: number): { z: Float64Array; w: Float64Array } {
  const hit = centredCache.get(order);
  if (hit !== undefined) return hit;
  const z: number[] = [];
  const w: number[] = [];
  halfLine(0, +1, order, z, w);
  halfLine(0, -1, order, z, w);
  const rule = { z: Float64Array.from(z), w: Float64Array.from(w) };
  centredCache.set(order, rule);
  return rule;
}

/**
 * The nodes x_i and weights w_i (Σ w_i ≈ 1) of gaussianExpectation's panel rule for N(mean, variance) split at
 * `kink`: E[f(x)] ≈ Σ w_i f(x_i), for several integrands over the same nodes at once.
 */
export function gaussianRule(mean: number, variance: number, kink: number, order = 20): { x: number[]; w: number[] } {
  const sd = Math.sqrt(Math.max(0, variance));
  if (sd === 0) return { x: [mean], w: [1] };
  // the kink in standard units, clipped to the ±9 the panels cover: a kink far outside (tiny variance)
  // must not stretch the panels over it
  const c = Math.min(9, Math.max(-9, (kink - mean) / sd));
  const z: number[] = [];
  const w: number[] = [];
  halfLine(c, +1, order, z, w);
  halfLine(c, -1, order, z, w);
  return { x: z.map((t) => mean + sd * t), w };
}

/** n-point Gauss–Legendre rule on [−1, 1], by Newton on the Legendre recurrence, cached. */
const glCache = new Map<number, { x: Float64Array; w: Float64Array }>();
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const hit = glCache.get(n);
  if (hit !== undefined) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * pp * pp);
  }
  const rule = { x, w };
  glCache.set(n, rule);
  return rule;
}

/** Panel edges' distances from the split: graded (×4) up to 0.256, then 12 equal panels to |z| = 9. */
const GRADED = [0, 1e-3, 4e-3, 1.6e-2, 6.4e-2, 0.256];

/**
 * The nodes (standard units) and weights of ∫ over the side `dir` of c of g(z) φ(z) dz: composite
 * Gauss–Legendre panels out to |z| = 9. The panels next to the split are graded: a 2-D expectation done as an
 * integral of a conditional one (correlation.ts) has a transition of width ~√(1 − c²) there as c → 1, which
 * equal panels of width 0.75 resolve only to ~1e-10.
 */
function halfLine(c: number, dir: 1 | -1, order: number, zs: number[], ws: number[]): void {
  const GL = gaussLegendre(order);
  const end = dir > 0 ? 9 : -9;
  const len = (end - c) * dir;
  if (len <= 0) return;
  const edges = GRADED.filter((d) => d < len).map((d) => c + dir * d);
  const start = GRADED.at(-1)!;
  if (len > start) {
    const h = (len - start) / 12;
    for (let p = 1; p <= 12; p++) edges.push(c + dir * (start + p * h));
  } else edges.push(end);
  for (let p = 0; p + 1 < edges.length; p++) {
    const a = edges[p]!;
    const b = edges[p + 1]!;
    const mid = (a + b) / 2;
    const half = (b - a) / 2;
    for (let i = 0; i < GL.x.length; i++) {
      const z = mid + half * GL.x[i]!;
      zs.push(z);
      ws.push((GL.w[i]! * half * dir * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI));
    }
  }
}
