/**
 * The correlation map, measured beside its mean-field theory (Poole et al. 2016; Schoenholz et al. 2017).
 *
 * Inputs: P pairs (x_a, x_b) of Gaussian images, x_a ~ N(0, s²) per entry (s = the probe's inputStd) and
 * x_b = c₀·x_a + √(1 − c₀²)·ε, ε ~ N(0, s²): each entry pair has correlation c₀ and both have variance s².
 * The 2P images run as one batch (batch norm sees all of them, in training mode as in the main probe).
 *
 * Estimator, per conv layer l: at every spatial position t, the correlation over the C channels between the
 * pair's pre-activations, uncentred as the mean field's c = q_ab/√(q_aa q_bb) is (the channel offsets a bias
 * gives are part of q, σ_b² in the theory),
 *     ρ_pt = Σ_c z_a[t,c] z_b[t,c] / √(Σ_c z_a[t,c]² · Σ_c z_b[t,c]²),
 * then m_p = mean over positions t of ρ_pt, and ĉ_l = mean over pairs p of m_p. Different positions of one
 * image correlate with each other in a conv net; ρ only ever compares the two inputs at the same position.
 * Standard error: sd(m_p)/√P, the spread over pairs (conditional on this net's weights: the seed-to-seed
 * spread of the weights comes on top, and the report sees it across seeds).
 * Bias: ĉ is an average of ratios. For C channels that are i.i.d. bivariate Gaussian given the layer below
 * (the wide-net picture), E[ρ] ≈ c − c(1 − c²)/(2C) (the sample correlation's bias, Fisher 1915), at most
 * 0.19/C in size; the fit below keeps layers clear of it.
 *
 * Theory: the first conv layer is linear in the input, so its pre-activations have q₁ = σ_w,1²·s² + σ_b² and
 * c₁ = (σ_w,1²·s²·c₀ + σ_b²)/q₁ (a dense-like idealisation: with few input channels or 'same' padding the
 * patch's own correlation scatters around c₀); from there src/theory's correlationTrajectory iterates the
 * length and correlation maps at the later layers' σ_w². Plain nets only (batch norm and skips change the maps).
 *
 * ξ_c measured: near c* the map is d_l = χ_c·d_{l−1} (d = |c − c*|), and each layer's fresh weights add
 * their own fluctuation, so ln d_l is a random walk with drift ln χ_c = −1/ξ_c, not a line plus independent
 * noise (a least-squares line through it claims errors several times too small). So: the per-layer decay
 * rates r_l = ln d_l − ln d_{l−1} over consecutive layers from the first on while d_l stays above noise
 * (> 3·SE_l + the bias bound |c*|(1 − c*²)/(2C)); −1/ξ = mean r, its standard error sd(r)/√m from the
 * rates' spread, and SE(ξ) = ξ²·SE(mean r) (delta method). At least 3 layers (2 rates), and decay, or no ξ.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationSpec, ArchSpec, LayerProbe, ProbeResult } from '../core/types.ts';
import { deriveSeed } from '../core/rng.ts';
import { forward, type ModelLayerInfo, type NetLayers } from '../model/index.ts';
import { correlationFixedPoint, correlationTrajectory } from '../theory/index.ts';

export type LayerCorrelation = NonNullable<LayerProbe['correlation']>;
export type CorrelationSummary = NonNullable<ProbeResult['correlation']>;

/**
 * [2P, H, W, C]: x_a in rows 0..P−1, x_b in rows P..2P−1 (x_b of pair p in row P + p), seeded
 * deriveSeed(seed, 'correlation-a') and deriveSeed(seed, 'correlation-eps').
 */
export function makePairBatch(shape: [number, number, number], pairs: number, inputCorrelation: number, inputStd: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const s = [pairs, ...shape];
    const xa = tf.randomNormal(s, 0, inputStd, 'float32', deriveSeed(seed, 'correlation-a'));
    const eps = tf.randomNormal(s, 0, inputStd, 'float32', deriveSeed(seed, 'correlation-eps'));
    const xb = tf.add(tf.mul(xa, inputCorrelation), tf.mul(eps, Math.sqrt(Math.max(0, 1 - inputCorrelation ** 2))));
    return tf.concat([xa, xb], 0) as tf.Tensor4D;
  });
}

/** m_p per pair (the mean over positions of ρ_pt) of a [2P, H, W, C] pre-activation: [P]. */
function pairMeans(z: tf.Tensor, pairs: number): tf.Tensor {
  const za = tf.slice(z, [0, 0, 0, 0], [pairs, -1, -1, -1]);
  const zb = tf.slice(z, [pairs, 0, 0, 0], [pairs, -1, -1, -1]);
  const num = tf.sum(tf.mul(za, zb), -1);
  const den = tf.sqrt(tf.mul(tf.sum(tf.square(za), -1), tf.sum(tf.square(zb), -1)));
  return tf.mean(tf.div(num, den), [1, 2]);
}

/**
 * Per conv layer 1..depth, the pairs' m_p (see the module comment), from one forward pass of the pair
 * batch. Batch norm's moving statistics, which a training-mode pass moves, are put back afterwards.
 */
export function measurePairCorrelations(net: NetLayers, batch: tf.Tensor4D, pairs: number): number[][] {
  const depth = net.arch.depth;
  const moving = net.bn.flatMap((b) => (b === null ? [] : b.nonTrainableWeights)).map((w) => ({ w, value: tf.clone(w.read()) }));
  try {
    const all = tf.tidy(() => {
      const rows: tf.Tensor[] = [];
      forward<tf.Tensor>(net, batch, {
        kwargs: { training: true },
        pre: (i, z) => {
          if (i <= depth) rows.push(pairMeans(z, pairs));
          return z;
        },
      });
      return tf.stack(rows);
    });
    const v = all.dataSync();
    all.dispose();
    return Array.from({ length: depth }, (_, l) => Array.from(v.subarray(l * pairs, (l + 1) * pairs)));
  } finally {
    for (const { w, value } of moving) {
      w.write(value);
      value.dispose();
    }
  }
}

/** Mean and standard error (sd/√n, n − 1) of the finite values; nulls when fewer than 2. */
export function meanAndStderr(xs: number[]): { mean: number | null; stderr: number | null } {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (n < 2) return { mean: n === 1 ? v[0]! : null, stderr: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, stderr: sd / Math.sqrt(n) };
}

export interface DepthScaleFit {
  xi: number | null;
  stderr: number | null;
  /** 1-based layers used */
  layers: number[];
  fit: string;
}

/**
 * ξ_c from measured ĉ_l (layers 1..L) and c*: the mean per-layer decay rate of ln|ĉ_l − c*| over the leading
 * layers above noise (module comment). `channels` sets the estimator's bias bound.
 */
export function fitDepthScale(measured: { mean: number | null; stderr: number | null }[], cStar: number, channels: number): DepthScaleFit {
  const floor = (Math.abs(cStar) * (1 - cStar * cStar)) / (2 * channels);
  const used: number[] = [];
  for (const [j, m] of measured.entries()) {
    if (m.mean === null || m.stderr === null || !(Math.abs(m.mean - cStar) > 3 * m.stderr + floor)) break;
    used.push(j + 1);
  }
  const rule = `mean per-layer decay of ln|c_l − c*| over the leading layers with |c_l − c*| > 3·SE + ${floor.toPrecision(2)}`;
  if (used.length < 3) return { xi: null, stderr: null, layers: used, fit: `${rule}: ${used.length} such layer${used.length === 1 ? '' : 's'}, too few to fit` };
  const logs = used.map((l) => Math.log(Math.abs(measured[l - 1]!.mean! - cStar)));
  const rates = logs.slice(1).map((y, i) => y - logs[i]!);
  const m = rates.length;
  const rate = rates.reduce((a, b) => a + b, 0) / m;
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - rate) ** 2, 0) / (m - 1));
  const span = `layers ${used[0]}–${used[used.length - 1]} (${used.length})`;
  if (!(rate < 0)) return { xi: null, stderr: null, layers: used, fit: `${rule}: ${span}, no decay (rate ${rate.toPrecision(3)} per layer)` };
  const xi = -1 / rate;
  return { xi, stderr: xi * xi * (sd / Math.sqrt(m)), layers: used, fit: `${rule}: ${span}, rate ${rate.toPrecision(4)} ± ${(sd / Math.sqrt(m)).toPrecision(2)} per layer` };
}

export interface CorrelationTheoryInputs {
  arch: ArchSpec;
  activation: ActivationSpec;
  /** σ_w² = fan_in·Var(W) of each conv layer 1..depth */
  sigmaW2: number[];
  /** σ_b² (NaN: a constant bias, no theory) */
  sigmaB2: number;
  /** s² of the pair inputs' entries */
  inputVariance: number;
  inputCorrelation: number;
}

/**
 * c_l for l = 1..depth and the fixed point (module comment), or null where the theory does not apply: not a
 * plain net, a constant bias, or layers 2..L at different σ_w².
 */
export function correlationTheory(t: CorrelationTheoryInputs): { trajectory: number[]; cStar: number; chiC: number | null; xiC: number } | null {
  const later = t.sigmaW2.slice(1);
  if (t.arch.kind !== 'plain' || !Number.isFinite(t.sigmaB2) || t.sigmaW2.some((s) => !Number.isFinite(s))) return null;
  const sw2 = later[0] ?? t.sigmaW2[0]!;
  if (later.some((s) => Math.abs(s - sw2) > 1e-12 * sw2)) return null;
  const q1 = t.sigmaW2[0]! * t.inputVariance + t.sigmaB2;
  const c1 = q1 > 0 ? (t.sigmaW2[0]! * t.inputVariance * t.inputCorrelation + t.sigmaB2) / q1 : t.inputCorrelation;
  const trajectory = correlationTrajectory(t.activation, sw2, t.sigmaB2, q1, c1, t.arch.depth - 1);
  const fp = correlationFixedPoint(t.activation, sw2, t.sigmaB2);
  return { trajectory, cStar: fp.cStar, chiC: fp.chiC, xiC: fp.xiC };
}

export interface CorrelationProbe {
  /** per conv layer 1..depth */
  layers: LayerCorrelation[];
  summary: CorrelationSummary;
}

/**
 * Measures the correlation map of `net` on `pairs` pairs at `inputCorrelation` (seeded from `seed`) and puts
 * the theory beside it; ξ_c is fitted around the theory's c* (or, without a theory, no fit).
 */
export function probeCorrelation(o: {
  net: NetLayers;
  layers: ModelLayerInfo[];
  input: [number, number, number];
  pairs: number;
  inputCorrelation: number;
  inputStd: number;
  seed: number;
  theory: CorrelationTheoryInputs | null;
}): CorrelationProbe {
  const batch = makePairBatch(o.input, o.pairs, o.inputCorrelation, o.inputStd, o.seed);
  let perLayer: number[][];
  try {
    perLayer = measurePairCorrelations(o.net, batch, o.pairs);
  } finally {
    batch.dispose();
  }
  const stats = perLayer.map(meanAndStderr);
  const th = o.theory === null ? null : correlationTheory(o.theory);
  const layers = stats.map((s, j) => ({ measured: s.mean, stderr: s.stderr, theory: th?.trajectory[j] ?? null }));
  if (th === null) {
    return { layers, summary: { cStar: null, chiC: null, xiTheory: null, xiMeasured: null, xiStderr: null, fit: 'no theory for this net (plain nets with one σ_w² beyond the first layer and a normal or zero bias): no c* to fit around' } };
  }
  const fit = fitDepthScale(stats, th.cStar, o.net.arch.width);
  return {
    layers,
    summary: {
      cStar: th.cStar,
      chiC: th.chiC,
      // JSON has no Infinity: an infinite ξ_c (χ_c = 1, or the polynomial approach of the degenerate cases) is null
      xiTheory: Number.isFinite(th.xiC) ? th.xiC : null,
      xiMeasured: fit.xi,
      xiStderr: fit.stderr,
      fit: fit.fit,
    },
  };
}
