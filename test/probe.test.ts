/**
 * Probe at init vs theory, on the wasm backend. Statistical bounds come from the theory's finite-width
 * log-variance (Hanin & Rolnick style, src/theory) and the number of seeds; seeds are fixed, so the
 * tests are deterministic, and the bands say how far a correct measurement may fall from theory.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readyBackend } from '../src/backend/index.ts';
import { buildRunModel, getWeightMap } from '../src/model/index.ts';
import { aggregateProbes, makeProbeBatch, probeRun, spread } from '../src/probe/index.ts';
import { normalizeInitSpec, TRUNCATED_VARIANCE_FACTOR } from '../src/init/index.ts';
import { predictLayersDetailed, normCdf } from '../src/theory/index.ts';
import type { ActivationName, ProbeResult, RunSpec } from '../src/core/types.ts';
import type { BuiltinRunSpec } from '../src/core/types.ts';

beforeAll(async () => {
  await readyBackend('wasm');
});

interface Opts {
  init: string;
  act?: ActivationName;
  depth?: number;
  width?: number;
  size?: number;
  batch?: number;
  seed?: number;
}

function runSpec(o: Opts): BuiltinRunSpec {
  return {
    id: `t-${o.init}-${o.seed ?? 1}`,
    suite: 'test',
    seed: o.seed ?? 1,
    repeat: 0,
    init: normalizeInitSpec(o.init),
    activation: { name: o.act ?? 'relu' },
    arch: {
      kind: 'plain',
      depth: o.depth ?? 20,
      width: o.width ?? 64,
      kernel: 3,
      padding: 'same',
      bias: true,
      downsample: { at: [], mode: 'maxpool' },
      head: 'gap-dense',
      classes: 10,
    },
    input: { height: o.size ?? 16, width: o.size ?? 16, channels: 3 },
    probe: { batch: o.batch ?? 4, source: 'gaussian', inputStd: 1, atSteps: [] },
    data: null,
    train: null,
  };
}

async function probeOnce(spec: BuiltinRunSpec): Promise<ProbeResult> {
  const built = await buildRunModel(spec);
  const batch = makeProbeBatch(spec);
  try {
    return await probeRun(spec, built, batch, 0);
  } finally {
    batch.dispose();
    built.dispose();
  }
}

/**
 * Independent truth for He/Xavier + ReLU with 'same' zero padding: E[z²] per position obeys
 * q_{l+1}(p) = c · Σ_{in-bounds taps t} q_l(p+t) with c = σ_w²·cin·½ (ReLU halves E[z²]); start from
 * layer 1's map and take the geometric-mean ratio of the spatial means from layer 2 to L.
 */
function paddedReluRatio(n: number, depth: number, c: number): number {
  let q: Float64Array = new Float64Array(n * n).fill(1);
  const means: number[] = [];
  const step = (m: Float64Array, cc: number): Float64Array => {
    // c·(sum of the 3×3 in-bounds neighbours)
    const out = new Float64Array(n * n);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < n && xx >= 0 && xx < n) s += m[yy * n + xx]!;
          }
        out[y * n + x] = cc * s;
      }
    return out;
  };
  q = step(q, 1); // layer 1's shape (its scale cancels in the ratio)
  means.push(q.reduce((a, b) => a + b, 0) / q.length);
  for (let l = 2; l <= depth; l++) {
    q = step(q, c);
    means.push(q.reduce((a, b) => a + b, 0) / q.length);
  }
  return Math.pow(means[means.length - 1]! / means[0]!, 1 / (depth - 1));
}

/**
 * Band for the mean over S seeds of ln(per-layer ratio): ln‖z_L‖² has variance σ² (theory's
 * finite-width log-variance at layer L, conservative for conv nets), so ln(V_L/V_1)/(L−1) has
 * sd ≤ σ/(L−1) per seed and its typical value sits σ²/2 below ln E (log-normal drift).
 * Returns [centre, half-width at 3 sd of the S-seed mean, with the drift's own size added].
 */
function ratioBand(spec: BuiltinRunSpec, weightVariance: number, theoryRatio: number, seeds: number): { centre: number; half: number } {
  const L = spec.arch.depth;
  const detail = predictLayersDetailed({
    arch: spec.arch,
    input: spec.input,
    activation: spec.activation,
    weightVariances: Array(L).fill(weightVariance),
    inputVariance: 1,
    biasVariance: 0,
  });
  const s2 = detail[L - 1]!.logNormVariance!;
  const drift = s2 / 2 / (L - 1);
  return { centre: Math.log(theoryRatio) - drift, half: (3 * Math.sqrt(s2)) / (L - 1) / Math.sqrt(seeds) + drift };
}

const SEEDS = [101, 202, 303];

async function ratios(init: string, act: ActivationName = 'relu'): Promise<{ results: ProbeResult[]; lnMean: number }> {
  const results: ProbeResult[] = [];
  for (const seed of SEEDS) results.push(await probeOnce(runSpec({ init, act, seed })));
  const lnMean = results.reduce((a, r) => a + Math.log(r.summary.perLayerRatio!), 0) / results.length;
  return { results, lnMean };
}

describe('probe vs theory, plain depth 20 width 64, 16×16, 3 seeds', () => {
  const fanIn = 9 * 64;
  let he: { results: ProbeResult[]; lnMean: number };

  it('he-normal + relu: theory ratio = 1 × padding factor, measured within the finite-width band', async () => {
    he = await ratios('he-normal');
    const th = he.results[0]!.summary.theoryPerLayerRatio!;
    // theory also subtracts E[(tensor mean)²] (64 channel offsets averaged), a < 1/width effect on E[z²]
    expect(Math.abs(th / paddedReluRatio(16, 20, 1 / 9) - 1)).toBeLessThan(2e-3);
    expect(th).toBeLessThan(0.98); // the padding loss is real: ≈ 0.966 on 16×16
    const band = ratioBand(runSpec({ init: 'he-normal' }), 2 / fanIn, th, SEEDS.length);
    expect(Math.abs(he.lnMean - band.centre)).toBeLessThan(band.half);
    // layer 1: Var = 2·padding(16×16) exactly in expectation; 64 filters of 27 weights → sd ≈ 3.4%
    for (const r of he.results) expect(r.layers[0]!.pre.variance! / r.layers[0]!.theory.preVariance!).toBeGreaterThan(0.85);
  });

  it('xavier-normal + relu: ratio = ½ × padding factor, within the band', async () => {
    const xv = await ratios('xavier-normal');
    const th = xv.results[0]!.summary.theoryPerLayerRatio!;
    expect(Math.abs(th / paddedReluRatio(16, 20, 1 / 18) - 1)).toBeLessThan(2e-3);
    expect(th / he.results[0]!.summary.theoryPerLayerRatio!).toBeCloseTo(0.5, 6);
    const band = ratioBand(runSpec({ init: 'xavier-normal' }), 1 / fanIn, th, SEEDS.length);
    expect(Math.abs(xv.lnMean - band.centre)).toBeLessThan(band.half);
    expect(Math.exp(xv.lnMean)).toBeLessThan(0.6);
  });

  it('tfjs:heNormal: measured ratio ≈ 0.774 × theory (its truncation), outside He’s band', async () => {
    const tj = await ratios('tfjs:heNormal');
    const th = tj.results[0]!.summary.theoryPerLayerRatio!;
    // nominal (the docs' promise) is He's variance, so the theory beside it is He's
    expect(th).toBeCloseTo(he.results[0]!.summary.theoryPerLayerRatio!, 9);
    const heBand = ratioBand(runSpec({ init: 'he-normal' }), 2 / fanIn, th, SEEDS.length);
    expect(Math.abs(tj.lnMean - heBand.centre)).toBeGreaterThan(heBand.half);
    const truncBand = ratioBand(runSpec({ init: 'tfjs:heNormal' }), (2 * TRUNCATED_VARIANCE_FACTOR) / fanIn, th * TRUNCATED_VARIANCE_FACTOR, SEEDS.length);
    expect(Math.abs(tj.lnMean - truncBand.centre)).toBeLessThan(truncBand.half);
    // the same seeds' He nets, ratio by ratio: ≈ 0.774 per layer
    const rel = Math.exp(tj.lnMean - he.lnMean);
    expect(rel).toBeGreaterThan(0.774 * Math.exp(-2 * truncBand.half));
    expect(rel).toBeLessThan(0.774 * Math.exp(2 * truncBand.half));
  });
});

describe('gradient variance vs theory (tanh, where finite-width drift is small)', () => {
  const cases: [string, BuiltinRunSpec['arch']['kind'], number, BuiltinRunSpec['arch']['downsample']][] = [
    ['plain depth 8, max pools after 4 and 8', 'plain', 8, { at: [4, 8], mode: 'maxpool' }],
    ['residual depth 7, avg pools after 3 and 7', 'residual', 7, { at: [3, 7], mode: 'avgpool' }],
  ];
  for (const [name, kind, depth, downsample] of cases) {
    it(`${name}: every layer's pre and grad-pre variance within 15% of theory`, async () => {
      const spec = runSpec({ init: 'xavier-normal', act: 'tanh', depth, batch: 8, seed: 4 });
      spec.arch = { ...spec.arch, kind, downsample, head: 'none' };
      const r = await probeOnce(spec);
      expect(r.layers.length).toBe(depth);
      // 64 filters per layer and ≥ 8·4·4·64 cotangent entries: a few % per layer, drifting slowly
      for (const l of r.layers) {
        expect(l.pre.variance! / l.theory.preVariance!).toBeGreaterThan(0.85);
        expect(l.pre.variance! / l.theory.preVariance!).toBeLessThan(1.15);
        expect(l.gradPre.variance! / l.theory.gradPreVariance!).toBeGreaterThan(0.85);
        expect(l.gradPre.variance! / l.theory.gradPreVariance!).toBeLessThan(1.15);
      }
    });
  }
});

describe('probe details', () => {
  it('dead fraction of relu layer 1 ≈ 2^-N (a zero-mean pre-activation is negative on all N examples)', async () => {
    const r = await probeOnce(runSpec({ init: 'he-normal', depth: 2, batch: 4, seed: 7 }));
    // 16·16·64 units, positively correlated at most through shared inputs: ±0.02 is > 5 binomial sd
    expect(Math.abs(r.layers[0]!.deadFraction! - 1 / 16)).toBeLessThan(0.02);
    expect(r.layers[0]!.saturatedFraction).toBeNull();
    expect(r.layers[2]!.kind).toBe('dense');
    expect(r.layers[2]!.deadFraction).toBeNull();
    expect(r.cotangent).toBe('unit-gaussian');
  });

  it('tanh saturated fraction of layer 1 matches P(|z| > atanh 0.99) for its measured variance', async () => {
    const spec = runSpec({ init: 'he-normal', act: 'tanh', depth: 2, batch: 8, seed: 8 });
    spec.init = normalizeInitSpec({ name: 'normal', std: 1.5 });
    const wide = await probeOnce(spec);
    const q = wide.layers[0]!.pre.variance!;
    // layer 1 is Gaussian per channel with variance |w_j|²·E[x²]; the mixture over 64 channels is
    // close to N(0, q): the predicted fraction holds to a few percent
    const predicted = 2 * (1 - normCdf(Math.atanh(0.99) / Math.sqrt(q)));
    expect(predicted).toBeGreaterThan(0.5);
    expect(Math.abs(wide.layers[0]!.saturatedFraction! - predicted)).toBeLessThan(0.05);
    expect(wide.layers[1]!.saturatedFraction).toBeGreaterThan(0.5);
  });

  it('same spec twice gives identical probe statistics; no tensors leak across probes', async () => {
    const spec = runSpec({ init: 'he-normal', depth: 6, width: 16, seed: 5 });
    const a = await probeOnce(spec);
    const n1 = tf.memory().numTensors;
    const b = await probeOnce(spec);
    const n2 = tf.memory().numTensors;
    expect(b).toEqual(a);
    expect(n2).toBe(n1);
    const c = await probeOnce({ ...spec, seed: 6 });
    expect(c.layers[3]!.pre.variance).not.toBe(a.layers[3]!.pre.variance);
  });

  it('makeProbeBatch: seeded, variance inputStd² within a chi-square 99.9% interval', () => {
    const spec = runSpec({ init: 'he-normal', batch: 16, size: 16 });
    spec.probe = { ...spec.probe!, inputStd: 0.5 };
    const x = makeProbeBatch(spec);
    const y = makeProbeBatch(spec);
    expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    const n = x.size;
    const v = tf.tidy(() => tf.moments(x).variance.dataSync()[0]!);
    // n = 12288: the sample variance's relative sd is √(2/n) ≈ 1.3%; 3.3 sd ≈ 99.9%
    expect(Math.abs(v / 0.25 - 1)).toBeLessThan(3.3 * Math.sqrt(2 / n));
    tf.dispose([x, y]);
  });

  it('lsuv: each layer output has |std − 1| < tol on the batch, theory uses the rescaled kernels', async () => {
    const spec = runSpec({ init: 'lsuv', depth: 5, width: 16, seed: 9 });
    const built = await buildRunModel(spec);
    expect(built.lsuv).not.toBeNull();
    for (const step of built.lsuv!) expect(Math.abs(step.std - 1)).toBeLessThan(0.1);
    expect(built.weightVariances.length).toBe(6);
    // the theory is given each kernel's E[w²] as rescaled, not the orthonormal start's nominal
    const w = getWeightMap(built.model);
    built.layers.forEach((l, j) => {
      const k = w.get(`${l.name}/kernel`)!.data;
      const m2 = k.reduce((a, v) => a + v * v, 0) / k.length;
      expect(Math.abs(built.weightVariances[j]! / m2 - 1), l.name).toBeLessThan(1e-5);
    });
    // orthonormal 144×16 kernels start at E[w²] = 1/144 = 1/fanIn; LSUV moved conv2..5 to 1.85–3.4× that (seed 9)
    for (const l of built.layers.slice(1, 5)) expect(built.weightVariances[l.index - 1]! * l.fanIn, l.name).toBeGreaterThan(1.5);
    built.dispose();
  });

  it('aggregateProbes: mean, sample sd, min and max per stat over results', async () => {
    const rs = [await probeOnce(runSpec({ init: 'he-normal', depth: 3, width: 8, seed: 1 })), await probeOnce(runSpec({ init: 'he-normal', depth: 3, width: 8, seed: 2 }))];
    const agg = aggregateProbes(rs);
    const v = rs.map((r) => r.layers[1]!.pre.variance!);
    const m = (v[0]! + v[1]!) / 2;
    expect(agg.layers[1]!.stats['pre.variance'].mean).toBeCloseTo(m, 12);
    expect(agg.layers[1]!.stats['pre.variance'].sd).toBeCloseTo(Math.abs(v[0]! - v[1]!) / Math.SQRT2, 12);
    expect(agg.summary.perLayerRatio.n).toBe(2);
    expect(agg.layers[3]!.stats.deadFraction.n).toBe(0);
    expect(spread([1, 2, 3, null])).toEqual({ mean: 2, sd: 1, min: 1, max: 3, n: 3 });
  });
});

/**
 * orthogonal + gelu (variance-preserving gain) at width 32 reads well below theory on a few seeds
 * (README "Initializers and theory"). Not a theory or init bug: src/theory predicts E[Var(z_l)] over weight
 * draws, and the Monte Carlo mean over draws agrees; the per-seed ratio is a typical (geometric) value,
 * and gelu's channel offsets (one per channel, no spatial averaging) make ln Var(z_l) spread like a
 * width-32 dense net's, with a heavy upper tail carrying the mean.
 */
describe('orthogonal + gelu, plain depth 20 width 32: theory = mean over draws, typical draw below', () => {
  const N = 64;
  const L = 20;
  it(`${N} draws: mean Var(z_L) within 4 se of theory; mean ln(Var_L/Var_1) > 3 se below ln theory`, async () => {
    const vL: number[] = [];
    const lnR: number[] = [];
    let thL = 0;
    let thR = 0;
    for (let seed = 1; seed <= N; seed++) {
      const spec = runSpec({ init: 'orthogonal', act: 'gelu', depth: L, width: 32, size: 16, batch: 8, seed });
      spec.arch = { ...spec.arch, bias: false, head: 'none' };
      const r = await probeOnce(spec);
      const first = r.layers[0]!;
      const last = r.layers[L - 1]!;
      // layer 1 (27 × 32, orthonormal rows: an isometry) only sees the batch's own spread: √(2/n) per sd,
      // n = 8·16·16·3 input entries, 5 sd
      expect(Math.abs(first.pre.variance! / first.theory.preVariance! - 1)).toBeLessThan(5 * Math.sqrt(2 / (8 * 16 * 16 * 3)));
      vL.push(last.pre.variance!);
      lnR.push(Math.log(last.pre.variance! / first.pre.variance!));
      thL = last.theory.preVariance!;
      thR = Math.log(last.theory.preVariance! / first.theory.preVariance!);
    }
    const meanSe = (xs: number[]): [number, number] => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const s2 = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
      return [m, Math.sqrt(s2 / xs.length)];
    };
    const [mV, seV] = meanSe(vL);
    const [mR, seR] = meanSe(lnR);
    // seeds 1..64 on wasm: mean 12.7 ± 2.7 vs theory 8.87; ln ratio 0.55 ± 0.26 vs 1.58 (3.9 se below)
    expect(Math.abs(mV - thL)).toBeLessThan(4 * seV);
    expect(mR).toBeLessThan(thR - 3 * seR);
  }, 120_000);
});
