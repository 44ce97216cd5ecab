/**
 * One forward and one backward pass through a built model, measuring every layer at once.
 *
 * Gradients wrt pre-activations: the eager forward passes the pre-activation zᵢ of every layer through
 * an identity op with a custom gradient (tf.customGrad) whose backward hands the incoming gradient on
 * unchanged and keeps a copy of it. tf.grads differentiates the scalar ⟨top, g⟩ wrt the kernels; every
 * zᵢ lies on the path from conv1's kernel to the top, so the backward pass reaches each tap once, with
 * the gradient already accumulated over all of zᵢ's consumers: that is ∂⟨top, g⟩/∂zᵢ. (An earlier
 * version added zero tensors εᵢ and differentiated wrt them — same numbers, two extra activations'
 * worth of memory per layer.) g is the cotangent: i.i.d. N(0, 1) of the top's shape, seeded, so the
 * gradients are those a unit-variance random upstream signal would produce ("unit-gaussian").
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationName, ChannelStats, Histogram, LayerHistograms, LayerProbe, Moments, SignalStats } from '../core/types.ts';
import { forward, type ModelLayerInfo, type NetLayers } from '../model/index.ts';

/** The measured part of a LayerProbe (theory is added beside it later), for one model layer. */
export interface MeasuredLayer extends Pick<LayerProbe, 'pre' | 'post' | 'deadFraction' | 'saturatedFraction' | 'gradPre' | 'gradWeight'> {
  info: ModelLayerInfo;
  signal: SignalStats;
  histograms: LayerHistograms | null;
}

/** Values per layer in the stats vector read back from the device, in this order (see measureLayers). */
const FIELDS = 20;

/**
 * Histograms (core/types.ts Histogram): HIST_BINS bins of width 0.2 over u ∈ [−HIST_RANGE, HIST_RANGE) in
 * units of the tensor's own std, on at most HIST_MAX_LAYERS conv layers (histogramLayers).
 * Size: one histogram is ≈ 330 bytes of JSON (40 integer counts and 8 other fields); 3 per layer (pre,
 * post, gradPre) on ≤ 12 layers add ≤ 12 KB to a probe, whatever the depth. Measured on the default
 * suite's deepest net (plain, depth 30, width 32, 32×32, batch 8, xavier-normal + relu): the probe's JSON
 * grows from 25.3 KB to 42.5 KB (histograms 11.8 KB; signal statistics on all 30 layers 4.8 KB).
 */
export const HIST_BINS = 40;
export const HIST_RANGE = 4;
export const HIST_MAX_LAYERS = 12;
/** Count slots per histogram: under, the HIST_BINS bins, over, zeros. */
const HIST_SLOTS = HIST_BINS + 3;

/**
 * The conv layers (1-based) that get histograms: min(depth, HIST_MAX_LAYERS) of them, evenly spaced,
 * round(1 + k·(depth − 1)/(m − 1)) for k = 0..m−1, so the first and the last are always among them (the
 * spacing is ≥ 1, so the rounded indices are distinct).
 */
export function histogramLayers(depth: number): number[] {
  const m = Math.min(depth, HIST_MAX_LAYERS);
  if (m <= 1) return m === 1 ? [1] : [];
  return Array.from({ length: m }, (_, k) => Math.round(1 + (k * (depth - 1)) / (m - 1)));
}

/** mean, biased variance (two-pass, via tf.moments), and E[x²] of all entries, as 3 scalars. */
export function momentsOf(x: tf.Tensor): tf.Tensor[] {
  const m = tf.moments(x);
  return [m.mean, m.variance, tf.mean(tf.square(x))];
}

function toMoments(v: Float32Array | Float64Array, at: number): Moments {
  const f = (n: number): number | null => (Number.isFinite(v[at + n]!) ? v[at + n]! : null);
  return { mean: f(0), variance: f(1), secondMoment: f(2) };
}

/**
 * [average channel squared mean, average channel variance] over the last axis (see ChannelStats), and from
 * the same per-channel two-pass moments those of all entries, as momentsOf gives them: with equal counts
 * per channel the mean is the mean of the μ_c, the variance is mean σ²_c + the variance of the μ_c (law of
 * total variance; no cancellation), E[x²] is mean σ²_c + mean μ_c². Deriving them spares momentsOf's own
 * passes over the full tensor, the costly part on wasm.
 */
export function channelMoments(x: tf.Tensor): { moments: tf.Tensor[]; channel: tf.Tensor[] } {
  const m = tf.moments(x, Array.from({ length: x.rank - 1 }, (_, a) => a));
  const between = tf.moments(m.mean);
  const within = tf.mean(m.variance);
  const sqMean = tf.mean(tf.square(m.mean));
  return { moments: [between.mean, tf.add(within, between.variance), tf.add(within, sqMean)], channel: [sqMean, within] };
}

/**
 * x's histogram from its mean and (biased) variance as scalars: its scale (√variance) and the HIST_SLOTS
 * counts (int32, exact at any size): under, the HIST_BINS bins, over, zeros. A NaN or ±Infinity entry
 * makes the mean non-finite, and then the histogram is null (toHistogram), so none needs a slot.
 * Written in the full-size ops that are fast on wasm (mul, add, clip, abs, step) and one cast: there,
 * equal, sign and maximum each cost about as much as all of these together, and where ten times more.
 */
function histogramOf(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): { scale: tf.Tensor; counts: tf.Tensor } {
  const flat = tf.reshape(x, [-1]);
  const scale = tf.sqrt(variance);
  // t = 1 + (u + R)·B/(2R), u = (x − mean)/scale, as t = x·a + b (a constant tensor, std 0, has u = 0)
  const a = tf.div(HIST_BINS / (2 * HIST_RANGE), tf.maximum(scale, 1e-30));
  const b = tf.sub(HIST_BINS / 2 + 1, tf.mul(mean, a));
  // slot ⌊t⌋ is bin k + 1 for 0 ≤ k < B; clipping sends u < −R to 0 (under), u ≥ R to B + 1 (over)
  const binned = tf.clipByValue(tf.add(tf.mul(flat, a), b), 0, HIST_BINS + 1);
  // exact zeros to slot B + 2: nz = step(|x|) is 1 for x ≠ 0, 0 for x = 0 (so the sum below is `binned` or Z)
  const Z = HIST_BINS + 2.5;
  const slot = tf.add(tf.mul(tf.sub(binned, Z), tf.step(tf.abs(flat), 0)), Z);
  // the int cast of a non-negative number is its floor
  const counts = tf.bincount(tf.cast(slot, 'int32') as tf.Tensor1D, tf.tensor1d([], 'int32'), HIST_SLOTS);
  return { scale, counts };
}

/** c[at..] is a histogram's HIST_SLOTS counts. */
function toHistogram(center: number, scale: number, c: Int32Array, at: number, total: number): Histogram | null {
  if (!Number.isFinite(center) || !Number.isFinite(scale)) return null;
  return {
    center,
    scale,
    lo: -HIST_RANGE,
    hi: HIST_RANGE,
    counts: Array.from(c.subarray(at + 1, at + 1 + HIST_BINS)),
    under: c[at]!,
    over: c[at + HIST_BINS + 1]!,
    zeros: c[at + HIST_BINS + 2]!,
    total,
  };
}

/**
 * Dead: a unit is one (position, channel) of a conv layer's output map — i.e. one entry of the
 * [H, W, C] activation, as a neuron of the equivalent dense net — and it is dead when its
 * post-activation is exactly 0 for every example of the batch. The fraction is over H·W·C units.
 */
export function deadFraction(post: tf.Tensor): tf.Tensor {
  const maxAbs = tf.max(tf.abs(post), 0);
  return tf.mean(tf.cast(tf.equal(maxAbs, 0), 'float32'));
}

/** Fraction of post-activation entries in the flat region: |tanh| > 0.99; sigmoid < 0.01 or > 0.99. */
export function saturatedFraction(post: tf.Tensor, act: ActivationName): tf.Tensor | null {
  if (act === 'tanh') return tf.mean(tf.cast(tf.greater(tf.abs(post), 0.99), 'float32'));
  if (act === 'sigmoid') return tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(post, 0.5)), 0.49), 'float32'));
  return null;
}

export interface MeasureOptions {
  net: NetLayers;
  layers: ModelLayerInfo[];
  activation: ActivationName;
  batch: tf.Tensor4D;
  /** seed of the N(0,1) cotangent at the top; non-zero */
  cotangentSeed: number;
}

/** The kernel variable of a conv/dense layer (what its call reads, so gradients reach it). */
function kernelOf(layer: tf.layers.Layer): tf.Tensor {
  const w = layer.trainableWeights.find((v) => v.originalName.endsWith('/kernel'));
  if (w === undefined) throw new Error(`layer ${layer.name} has no kernel`);
  return w.read();
}

export interface ProbeTensors {
  /** per layer of `layers`: pre-activation, post-activation (the logits for the head) */
  pre: tf.Tensor[];
  post: tf.Tensor[];
  /** ∂⟨top, g⟩/∂pre (or its reduction, see probeTensors) and ∂⟨top, g⟩/∂kernel per layer */
  gradPre: tf.Tensor[];
  gradWeight: tf.Tensor[];
  /** per layer: the residual branch output y added into its pre-activation (SignalStats.branch), else null */
  branch: (tf.Tensor | null)[];
  top: tf.Tensor;
  cotangent: tf.Tensor;
  dispose(): void;
}

/**
 * The forward/backward pass itself, returning the tensors (the caller disposes them with `dispose()`).
 * BatchNorm runs in training mode (batch statistics); its moving averages are left as they were.
 */
export function probeTensors(
  opts: MeasureOptions,
  /**
   * When given, each pre-activation gradient is reduced inside the backward pass and only the result
   * is kept (gradPre holds the reductions): a deep net's full gradient maps need not all stay alive.
   * It sees the layer's position j in `layers`; returning null keeps that layer's full gradient.
   */
  reduceGradPre?: (dy: tf.Tensor, j: number) => tf.Tensor | null,
): ProbeTensors {
  const { net, layers, batch } = opts;
  const kernels = layers.map((l) => kernelOf(l.kind === 'dense' ? net.head! : net.conv[l.index - 1]!));
  const kept: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    kept.push(tf.keep(t));
    return t;
  };
  const pre: tf.Tensor[] = [];
  const post: tf.Tensor[] = [];
  const gradPre: (tf.Tensor | undefined)[] = layers.map(() => undefined);
  const branchOfBlock: tf.Tensor[] = [];
  let top: tf.Tensor | null = null;
  let cot: tf.Tensor | null = null;
  // Identity whose backward records dy (the gradient wrt its input) for layer j.
  const taps = layers.map((_, j) =>
    tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor), // shares the input's data: no copy
      gradFunc: (dy: tf.Tensor) => {
        gradPre[j] = keep(reduceGradPre?.(dy, j) ?? tf.clone(dy));
        return dy;
      },
    })),
  );
  // BatchNorm in training mode also moves its moving mean/variance; a probe must not change the model,
  // so they are put back afterwards (a probe during training would otherwise skew later evaluation).
  const moving = net.bn.flatMap((b) => (b === null ? [] : b.nonTrainableWeights)).map((w) => ({ w, value: tf.clone(w.read()) }));
  const restoreMoving = (): void => {
    for (const { w, value } of moving) {
      w.write(value);
      value.dispose();
    }
  };
  try {
    const gradWeight = tf.tidy(() => {
      const f = (): tf.Scalar => {
        const out = forward<tf.Tensor>(net, batch, {
          kwargs: { training: true },
          // pre/post escape the gradient's forward scope via keep; disposed by dispose()
          pre: (i, z) => (pre[i - 1] = keep(taps[i - 1]!(z))),
          post: (i, a) => {
            post[i - 1] = keep(a);
          },
          branch: (b, y) => {
            branchOfBlock[b] = keep(y);
          },
        });
        top = keep(out);
        cot = keep(tf.randomNormal(out.shape, 0, 1, 'float32', opts.cotangentSeed));
        return tf.sum(tf.mul(out, cot));
      };
      return tf.grads(f)(kernels);
    });
    for (const g of gradWeight) kept.push(g);
    restoreMoving();
    const missing = gradPre.findIndex((g) => g === undefined);
    if (missing >= 0) throw new Error(`probe: no gradient reached the pre-activation of ${layers[missing]!.name}`);
    // block b's sum x + y is the pre-activation of conv layer 2b + 1
    const branch = layers.map((l) => (l.kind === 'conv' && l.index % 2 === 1 ? (branchOfBlock[(l.index - 1) / 2] ?? null) : null));
    return {
      pre,
      post,
      gradPre: gradPre as tf.Tensor[],
      gradWeight,
      branch,
      top: top!,
      cotangent: cot!,
      dispose: () => {
        for (const t of new Set(kept)) if (!t.isDisposed) t.dispose();
      },
    };
  } catch (e) {
    if (moving.some((m) => !m.value.isDisposed)) restoreMoving();
    for (const t of new Set(kept)) if (!t.isDisposed) t.dispose();
    throw e;
  }
}

/**
 * Measures every layer of `layers` (conv layers, then the head if any) with BatchNorm in training mode.
 * Everything but the returned numbers is disposed.
 *
 * Per layer, FIELDS floats: pre, post moments (0–5), dead and saturated fractions (6, 7), gradPre and
 * gradWeight moments (8–13), channel statistics of pre, post and the residual branch (14–19). Per
 * histogrammed layer, [center, scale] of pre, post, gradPre, and their 3 × HIST_SLOTS counts (int32).
 */
export function measureLayers(opts: MeasureOptions): MeasuredLayer[] {
  const depth = opts.net.arch.depth;
  const histAt = new Set(histogramLayers(depth));
  const hasHist = opts.layers.map((l) => l.kind === 'conv' && histAt.has(l.index));
  // a histogrammed layer keeps its full gradient map for the histogram; the others reduce it at once
  const pt = probeTensors(opts, (dy, j) => (hasHist[j] ? null : tf.stack(momentsOf(dy))));
  const floats: tf.Tensor[] = [];
  const scales: tf.Tensor[] = [];
  const counts: tf.Tensor[] = [];
  const sizes = opts.layers.map((_, j) => ({ pre: pt.pre[j]!.size, post: pt.post[j]!.size }));
  const hasBranch = pt.branch.map((b) => b !== null);
  let v: Float32Array;
  let c: Int32Array;
  try {
    opts.layers.forEach((l, j) => {
      // one tidy per layer, so a deep net's elementwise temporaries never pile up
      const out = tf.tidy(() => {
        const pre = pt.pre[j]!;
        const post = pt.post[j]!;
        const isConv = l.index <= depth;
        const cPre = channelMoments(pre);
        const cPost = channelMoments(post);
        const mPre = cPre.moments;
        const mPost = cPost.moments;
        const mGrad = hasHist[j] ? momentsOf(pt.gradPre[j]!) : tf.unstack(pt.gradPre[j]!);
        const branch = pt.branch[j]!;
        const row = [
          ...mPre,
          ...mPost,
          isConv ? deadFraction(post) : tf.scalar(NaN),
          (isConv ? saturatedFraction(post, opts.activation) : null) ?? tf.scalar(NaN),
          ...mGrad,
          ...momentsOf(pt.gradWeight[j]!),
          ...cPre.channel,
          ...cPost.channel,
          ...(branch !== null ? channelMoments(branch).channel : [tf.scalar(NaN), tf.scalar(NaN)]),
        ];
        const r = tf.stack(row.map((t) => tf.reshape(tf.cast(t, 'float32'), [])));
        if (!hasHist[j]) return [r];
        const h = [histogramOf(pre, mPre[0]!, mPre[1]!), histogramOf(post, mPost[0]!, mPost[1]!), histogramOf(pt.gradPre[j]!, mGrad[0]!, mGrad[1]!)];
        return [
          r,
          tf.stack([mPre[0]!, h[0]!.scale, mPost[0]!, h[1]!.scale, mGrad[0]!, h[2]!.scale]),
          tf.concat(h.map((x) => x.counts)),
        ];
      });
      floats.push(out[0]!);
      if (out.length === 3) {
        scales.push(out[1]!);
        counts.push(out[2]!);
      }
    });
    const all = tf.concat([...floats, ...scales]);
    v = all.dataSync() as Float32Array;
    all.dispose();
    if (counts.length > 0) {
      const cs = tf.concat(counts);
      c = cs.dataSync() as Int32Array;
      cs.dispose();
    } else {
      c = new Int32Array(0);
    }
  } finally {
    for (const t of [...floats, ...scales, ...counts]) t.dispose();
    pt.dispose();
  }
  let k = 0;
  const scaleAt = floats.length * FIELDS;
  return opts.layers.map((info, j) => {
    const at = j * FIELDS;
    const num = (n: number): number | null => (Number.isFinite(v[at + n]!) ? v[at + n]! : null);
    const chan = (n: number): ChannelStats => ({ sqMean: num(n), variance: num(n + 1) });
    let histograms: LayerHistograms | null = null;
    if (hasHist[j]) {
      const f = (n: number): number => v[scaleAt + 6 * k + n]!;
      const hist = (n: number, total: number): Histogram | null => toHistogram(f(2 * n), f(2 * n + 1), c, (3 * k + n) * HIST_SLOTS, total);
      histograms = {
        pre: hist(0, sizes[j]!.pre),
        post: hist(1, sizes[j]!.post),
        // the gradient wrt the pre-activation has the pre-activation's shape
        gradPre: hist(2, sizes[j]!.pre),
      };
      k++;
    }
    return {
      info,
      pre: toMoments(v, at),
      post: toMoments(v, at + 3),
      deadFraction: num(6),
      saturatedFraction: num(7),
      gradPre: toMoments(v, at + 8),
      gradWeight: toMoments(v, at + 11),
      signal: { pre: chan(14), post: chan(16), branch: hasBranch[j] ? chan(18) : null },
      histograms,
    };
  });
}
