/**
 * The probe's per-layer histograms (core/types.ts Histogram) against independent truth, on wasm.
 *
 * The exact case: one 1×1 conv whose 32×32 kernel is orthogonal (columns orthogonal, equal norms, checked
 * from the weights), on an N(0, 1) probe batch of 32 channels. Each position's 32 outputs are an isometry
 * (times the gain) of 32 i.i.d. N(0, 1) inputs, so all T = N·H·W·C pre-activations are i.i.d. N(0, q) with
 * q the columns' squared norm: bin counts are multinomial with masses from the normal CDF at the bin's edges
 * (center + scale·u). With no head, the cotangent sits on the output: the gradient wrt the pre-activation is
 * the cotangent itself (linear), or it masked by z > 0 (ReLU).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { buildRunModel, getWeightMap } from '../src/model/index.ts';
import { HIST_BINS, HIST_MAX_LAYERS, HIST_RANGE, histogramLayers, makeProbeBatch, probeRun } from '../src/probe/index.ts';
import { normalizeInitSpec } from '../src/init/index.ts';
import { chi2Quantile, normCdf } from '../src/theory/index.ts';
import type { ActivationName, ArchSpec, Histogram, ProbeResult, RunSpec } from '../src/core/types.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

interface Opts {
  init: string;
  act: ActivationName;
  depth: number;
  width: number;
  kernel: number;
  channels: number;
  size: number;
  batch: number;
  seed: number;
  head?: ArchSpec['head'];
}

function runSpec(o: Opts): BuiltinRunSpec {
  return {
    id: `h-${o.init}-${o.act}-${o.depth}-${o.seed}`,
    suite: 'test',
    seed: o.seed,
    repeat: 0,
    init: normalizeInitSpec(o.init),
    activation: { name: o.act },
    arch: {
      kind: 'plain',
      depth: o.depth,
      width: o.width,
      kernel: o.kernel,
      padding: 'same',
      bias: false,
      downsample: { at: [], mode: 'maxpool' },
      head: o.head ?? 'none',
      classes: 10,
    },
    input: { height: o.size, width: o.size, channels: o.channels },
    probe: { batch: o.batch, source: 'gaussian', inputStd: 1, atSteps: [] },
    data: null,
    train: null,
  };
}

/** The probe and, for the orthogonal 1×1 case, q = the kernel columns' common squared norm. */
async function probeWithKernel(spec: BuiltinRunSpec): Promise<{ r: ProbeResult; kernel: Float32Array }> {
  const built = await buildRunModel(spec);
  const batch = makeProbeBatch(spec);
  try {
    return { r: await probeRun(spec, built, batch, 0), kernel: getWeightMap(built.model).get('conv1/kernel')!.data };
  } finally {
    batch.dispose();
    built.dispose();
  }
}

/** Gram matrix WᵀW of a [cin, cout] kernel (1×1 conv), as cout×cout. */
function gram(w: Float32Array, cin: number, cout: number): number[][] {
  const g = Array.from({ length: cout }, () => new Array<number>(cout).fill(0));
  for (let a = 0; a < cout; a++)
    for (let b = 0; b < cout; b++) {
      let s = 0;
      for (let k = 0; k < cin; k++) s += w[k * cout + a]! * w[k * cout + b]!;
      g[a]![b] = s;
    }
  return g;
}

/** Edges of the histogram in x (values), lo..hi: bin k spans [edge[k], edge[k+1]). */
function edges(h: Histogram): number[] {
  const w = (h.hi - h.lo) / h.counts.length;
  return Array.from({ length: h.counts.length + 1 }, (_, k) => h.center + h.scale * (h.lo + k * w));
}

/**
 * Observed slots (under, bins, over) against expected masses p under i.i.d. sampling: every slot within
 * 5 binomial sd (+1 for the integer), and Pearson's χ² over the slots with ≥ 5 expected below its 1 − 10⁻⁴
 * quantile.
 */
function expectMultinomial(observed: number[], p: number[], T: number): void {
  let chi2 = 0;
  let df = -1;
  observed.forEach((o, k) => {
    const e = T * p[k]!;
    expect(Math.abs(o - e), `slot ${k}: ${o} vs ${e.toFixed(1)}`).toBeLessThanOrEqual(5 * Math.sqrt(e * (1 - p[k]!)) + 1);
    if (e >= 5) {
      chi2 += (o - e) ** 2 / e;
      df++;
    }
  });
  expect(df).toBeGreaterThan(20);
  expect(chi2).toBeLessThan(chi2Quantile(1 - 1e-4, df));
}

/** Masses of under, each bin, over for N(0, q) restricted to x ∈ (a, b) (a zero-free part of the line). */
function normalMasses(h: Histogram, q: number, a = -Infinity, b = Infinity): number[] {
  const cdf = (z: number): number => (z === Infinity ? 1 : z === -Infinity ? 0 : normCdf(z));
  const F = (x: number): number => cdf(Math.min(b, Math.max(a, x)) / Math.sqrt(q));
  const e = edges(h);
  return [F(e[0]!) - F(-Infinity), ...h.counts.map((_, k) => F(e[k + 1]!) - F(e[k]!)), F(Infinity) - F(e[e.length - 1]!)];
}

const slots = (h: Histogram): number[] => [h.under, ...h.counts, h.over];
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('histogramLayers: at most 12 conv layers, evenly spaced, first and last included', () => {
  const cases: [number, number[]][] = [
    [1, [1]],
    [2, [1, 2]],
    [5, [1, 2, 3, 4, 5]],
    [12, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    [13, [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]],
    [30, [1, 4, 6, 9, 12, 14, 17, 19, 22, 25, 27, 30]],
  ];
  for (const [depth, want] of cases) {
    it(`depth ${depth} → ${want.join(',')}`, () => {
      expect(histogramLayers(depth)).toEqual(want);
    });
  }
  it('depths 1..200: min(depth, 12) distinct increasing layers from 1 to depth, gaps differing by at most 1', () => {
    for (let d = 1; d <= 200; d++) {
      const l = histogramLayers(d);
      expect(l.length).toBe(Math.min(d, HIST_MAX_LAYERS));
      expect(l[0]).toBe(1);
      expect(l.at(-1)).toBe(d);
      const gaps = l.slice(1).map((x, i) => x - l[i]!);
      if (gaps.length === 0) continue;
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    }
  });
});

describe('one orthogonal 1×1 conv on N(0,1) input: bins against the normal CDF, multinomial bounds', () => {
  const base = { init: 'orthogonal', depth: 1, width: 32, kernel: 1, channels: 32, size: 16, batch: 8, seed: 3 };
  const T = 8 * 16 * 16 * 32;

  it('linear: pre and gradPre (= the N(0,1) cotangent) bins match N(0, q) and N(0, 1); no zeros', async () => {
    const { r, kernel } = await probeWithKernel(runSpec({ ...base, act: 'linear' }));
    const g = gram(kernel, 32, 32);
    const q = g[0]![0]!;
    // the truth's premise: an isometry times the gain (gain 1 for linear)
    expect(Math.abs(q - 1)).toBeLessThan(1e-4);
    for (let a = 0; a < 32; a++) for (let b = 0; b < 32; b++) expect(Math.abs(g[a]![b]! - (a === b ? q : 0))).toBeLessThan(1e-4);
    const h = r.layers[0]!.histograms!;
    expect(h.pre!.counts).toHaveLength(HIST_BINS);
    expect([h.pre!.lo, h.pre!.hi]).toEqual([-HIST_RANGE, HIST_RANGE]);
    expect(h.pre!.total).toBe(T);
    expect(h.pre!.zeros).toBe(0);
    expect(sum(slots(h.pre!))).toBe(T);
    // center and scale are the tensor's own mean and std, as the moments report them
    expect(h.pre!.center).toBe(r.layers[0]!.pre.mean);
    expect(Math.abs(h.pre!.scale / Math.sqrt(r.layers[0]!.pre.variance!) - 1)).toBeLessThan(1e-6);
    expectMultinomial(slots(h.pre!), normalMasses(h.pre!, q), T);
    expectMultinomial(slots(h.gradPre!), normalMasses(h.gradPre!, 1), T);
    // linear: post is pre
    expect(h.post).toEqual(h.pre);
  });

  it('relu: post has zero mass ½ within 5 binomial sd, its positive part is N(0, q) on (0, ∞); gradPre zeros = post zeros', async () => {
    const { r, kernel } = await probeWithKernel(runSpec({ ...base, act: 'relu' }));
    const q = gram(kernel, 32, 32)[0]![0]!;
    // relu's gain √2
    expect(Math.abs(q - 2)).toBeLessThan(1e-4);
    const h = r.layers[0]!.histograms!;
    expect(Math.abs(h.post!.zeros / T - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / T));
    expect(h.pre!.zeros).toBe(0);
    expect(sum(slots(h.post!)) + h.post!.zeros).toBe(T);
    // the non-zero entries: N(0, q) restricted to x > 0
    expectMultinomial(slots(h.post!), normalMasses(h.post!, q, 0), T);
    // the gradient g·1[z > 0] is exactly 0 where relu's output is, and nowhere else (g ≠ 0 almost surely)
    expect(h.gradPre!.zeros).toBe(h.post!.zeros);
  });
});

describe('bounded and partitioned: a depth-30 ReLU net (width 8, 8×8, with a head)', () => {
  it('histograms on histogramLayers(30) only; each partitions N·H·W·C; the probe leaks no tensor', async () => {
    const spec = runSpec({ init: 'he-normal', act: 'relu', depth: 30, width: 8, kernel: 3, channels: 3, size: 8, batch: 4, seed: 2, head: 'gap-dense' });
    const before = tf.memory().numTensors;
    const { r } = await probeWithKernel(spec);
    expect(tf.memory().numTensors).toBe(before);
    const want = histogramLayers(30);
    const withHist = r.layers.filter((l) => l.histograms !== null && l.histograms !== undefined).map((l) => l.index);
    expect(withHist).toEqual(want);
    expect(r.layers.at(-1)!.kind).toBe('dense');
    expect(r.layers.at(-1)!.histograms).toBeNull();
    for (const l of r.layers.filter((x) => want.includes(x.index))) {
      for (const h of [l.histograms!.pre!, l.histograms!.post!, l.histograms!.gradPre!]) {
        expect(h.total).toBe(4 * 8 * 8 * 8);
        expect(sum(slots(h)) + h.zeros).toBe(h.total);
      }
      // ReLU zeros are the post-activation's, and the dead units' share of them
      expect(l.histograms!.post!.zeros / l.histograms!.post!.total).toBeGreaterThanOrEqual(l.deadFraction!);
    }
    // the bound stated in src/probe/measure.ts: ≤ 12 layers × 3 histograms of ≈ 320 bytes
    const bytes = JSON.stringify(r.layers.map((l) => l.histograms)).length;
    expect(bytes).toBeLessThan(12 * 3 * 400);
  });
});

/**
 * The seed note's claim, drawn as histograms: under Xavier (Var(W) = 1/n) each ReLU layer halves the
 * variance, so layer 20's values sit in a spike at 0 on the scale of layer 1; under He they keep their
 * spread. Measured in values, not in units of each layer's own std (where every layer looks alike).
 * τ = 0.05 × layer 1's post std. He: layer 20's std is that of layer 1 times the padding loss (theory's
 * ratio, ≈ 0.2 in variance at 16×16), so τ ≈ 0.1 of its std: the zeros plus ≈ 3% lie within τ. The zeros
 * are the mean over channels of P(z_c ≤ 0); each channel has its own offset (a channel squared mean ≈ 1/π
 * of E[z²] under ReLU), so at width 32 that mean is ½ with an sd ≈ 0.035: [0.3, 0.75] is > 5 sd wide.
 * Xavier: (½ × padding)^19 ≈ 10⁻⁷ in variance, so every bin lies within τ; only the overflow (values
 * beyond 4 std, < 1%) is counted as outside.
 */
describe('Xavier-ReLU collapses to a spike at 0 relative to He (depth 20, width 32, 16×16)', () => {
  /** Share of layer L's post-activation entries provably within |x| < τ: zeros + bins whose edges are inside. */
  function massWithin(h: Histogram, tau: number): number {
    const e = edges(h);
    const inside = h.counts.reduce((a, c, k) => a + (Math.abs(e[k]!) < tau && Math.abs(e[k + 1]!) < tau ? c : 0), 0);
    return (h.zeros + inside) / h.total;
  }
  for (const [init, lo, hi] of [['xavier-normal', 0.99, 1], ['he-normal', 0.3, 0.75]] as const) {
    it(`${init}: share of layer 20 within 0.05 × layer 1's std in [${lo}, ${hi}]`, async () => {
      const { r } = await probeWithKernel(runSpec({ init, act: 'relu', depth: 20, width: 32, kernel: 3, channels: 3, size: 16, batch: 8, seed: 4 }));
      const first = r.layers[0]!.histograms!.post!;
      const last = r.layers[19]!.histograms!.post!;
      const share = massWithin(last, 0.05 * first.scale);
      expect(share).toBeGreaterThanOrEqual(lo);
      expect(share).toBeLessThanOrEqual(hi);
    });
  }
});
