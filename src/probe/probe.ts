/**
 * Probe at init (or at a training step): per-layer moments, dead/saturated fractions, gradient
 * variances, per-channel signal statistics and (on a bounded subset of layers) histograms on a fixed
 * batch, each moment beside its theory prediction; and aggregation over seeds.
 */
import * as tf from '@tensorflow/tfjs';
import type { ChannelStats, LayerProbe, LayerTheory, Moments, ProbeResult, RunSpec, SignalStats } from '../core/types.ts';
import { deriveSeed } from '../core/rng.ts';
import { buildRunModel, type ModelLayerInfo, type NetLayers, type RunModel } from '../model/index.ts';
import { builtinRun, type BuiltinRunSpec } from '../arch/index.ts';
import { measureLayers } from './measure.ts';
import { biasVarianceOf, theoryForLayers } from './theory.ts';
import { probeCorrelation, type CorrelationProbe } from './correlation.ts';
import { probeJacobian } from './jacobian.ts';

/** What the probe needs of a built model: the layers it runs eagerly and their description. */
export interface ProbeTarget {
  net: NetLayers;
  layers: ModelLayerInfo[];
}

/**
 * The probe batch: N(0, inputStd²) noise of shape [batch, H, W, C], seeded deriveSeed(run seed,
 * 'probe-batch') (explicit and non-zero, so tfjs never falls back to a random seed). tf.randomNormal
 * draws in JS, so the batch is the same on every backend.
 */
export function makeProbeBatch(spec: RunSpec): tf.Tensor4D {
  const p = spec.probe;
  if (p === null) throw new Error(`run ${spec.id}: no probe settings (spec.probe is null)`);
  if (p.source !== 'gaussian') {
    throw new Error(`run ${spec.id}: probe source '${p.source}' takes a batch of the run's data (src/data), not noise`);
  }
  const { height, width, channels } = spec.input;
  return tf.randomNormal([p.batch, height, width, channels], 0, p.inputStd, 'float32', deriveSeed(spec.seed, 'probe-batch'));
}

/** Seed of the unit-Gaussian cotangent at the top, per run and step. */
export function cotangentSeed(spec: RunSpec, step: number): number {
  return deriveSeed(spec.seed, 'probe-cotangent', step);
}

/** Geometric-mean per-layer ratio of conv pre-activation variance over layers 2..L, and last/first. */
export function varianceSummary(vars: (number | null)[]): { perLayer: number | null; lastOverFirst: number | null } {
  if (vars.length < 2) return { perLayer: null, lastOverFirst: null };
  const first = vars[0];
  const last = vars[vars.length - 1];
  if (first === null || first === undefined || last === null || last === undefined || !(first > 0) || !(last > 0)) {
    return { perLayer: null, lastOverFirst: null };
  }
  // ∏_{l=2..L} V_l/V_{l−1} telescopes to V_L/V_1; its (L−1)-th root is the geometric mean.
  const lastOverFirst = last / first;
  return { perLayer: Math.exp(Math.log(lastOverFirst) / (vars.length - 1)), lastOverFirst };
}

export interface ProbeWithOptions {
  spec: BuiltinRunSpec;
  target: ProbeTarget;
  batch: tf.Tensor4D;
  step: number;
  /** nominal Var(W) of each layer of target.layers (conv layers, then the head) for the theory */
  weightVariances: number[];
}

/** Measures the target on `batch` and sets theory beside each layer. */
export function probeWith(o: ProbeWithOptions): ProbeResult {
  const { spec, target, batch } = o;
  const source = spec.probe?.source ?? 'gaussian';
  // Theory needs E[x²] per input entry: the nominal inputStd² for noise (the batch's own value would
  // fold its sampling error into the prediction), the batch's measured second moment for data.
  const inputSecondMoment =
    source === 'gaussian' ? (spec.probe?.inputStd ?? 1) ** 2 : tf.tidy(() => tf.mean(tf.square(batch)).dataSync()[0]!);
  const inputStd = Math.sqrt(inputSecondMoment);
  const measured = measureLayers({
    net: target.net,
    layers: target.layers,
    activation: spec.activation.name,
    batch,
    cotangentSeed: cotangentSeed(spec, o.step),
  });
  const theory: LayerTheory[] = theoryForLayers({
    arch: spec.arch,
    input: spec.input,
    activation: spec.activation,
    layers: target.layers,
    weightVariances: o.weightVariances,
    inputVariance: inputSecondMoment,
    biasVariance: biasVarianceOf(spec),
    batch: batch.shape[0],
  });
  const layers: LayerProbe[] = measured.map((m, j) => ({
    index: m.info.index,
    name: m.info.name,
    kind: m.info.kind,
    fanIn: m.info.fanIn,
    fanOut: m.info.fanOut,
    spatial: m.info.spatial,
    pre: m.pre,
    post: m.post,
    deadFraction: m.deadFraction,
    saturatedFraction: m.saturatedFraction,
    gradPre: m.gradPre,
    gradWeight: m.gradWeight,
    theory: theory[j]!,
    signal: m.signal,
    histograms: m.histograms,
  }));
  const extra = o.step === 0 ? optionalProbes(o, inputSecondMoment) : {};
  if (extra.correlation !== undefined) {
    const perConv = extra.correlation.layers;
    for (const l of layers) l.correlation = l.kind === 'conv' ? (perConv[l.index - 1] ?? null) : null;
  }
  const conv = layers.filter((l) => l.kind === 'conv');
  const meas = varianceSummary(conv.map((l) => l.pre.variance));
  const th = varianceSummary(conv.map((l) => l.theory.preVariance));
  return {
    step: o.step,
    // for data, `std` is the batch's root mean square (what the theory was given)
    input: { source, std: inputStd, batch: batch.shape[0] },
    cotangent: 'unit-gaussian',
    layers,
    summary: {
      perLayerRatio: meas.perLayer,
      theoryPerLayerRatio: th.perLayer,
      lastOverFirst: meas.lastOverFirst,
      theoryLastOverFirst: th.lastOverFirst,
    },
    ...(extra.correlation !== undefined ? { correlation: extra.correlation.summary } : {}),
    ...(extra.jacobian !== undefined ? { jacobian: extra.jacobian } : {}),
  };
}

/**
 * The measurements a ProbeSpec asks for beyond the moments, at init only (they compare with at-init theory):
 * the correlation map on its own Gaussian pairs (seeded deriveSeed(run seed, 'probe-correlation')), and the
 * Jacobian spectrum at the batch's first example (projections seeded deriveSeed(run seed, 'probe-jacobian')).
 */
function optionalProbes(o: ProbeWithOptions, inputSecondMoment: number): { correlation?: CorrelationProbe; jacobian?: NonNullable<ProbeResult['jacobian']> } {
  const { spec, target, batch } = o;
  const p = spec.probe;
  if (p === null || (p.correlation === undefined && p.jacobian === undefined)) return {};
  const convs = target.layers.filter((l) => l.kind === 'conv');
  const sigmaW2 = convs.map((l, j) => l.fanIn * o.weightVariances[j]!);
  const sigmaB2 = biasVarianceOf(spec);
  const out: { correlation?: CorrelationProbe; jacobian?: NonNullable<ProbeResult['jacobian']> } = {};
  if (p.correlation !== undefined) {
    const { pairs, inputCorrelation } = p.correlation;
    out.correlation = probeCorrelation({
      net: target.net,
      layers: target.layers,
      input: [spec.input.height, spec.input.width, spec.input.channels],
      pairs,
      inputCorrelation,
      inputStd: p.inputStd,
      seed: deriveSeed(spec.seed, 'probe-correlation'),
      theory: { arch: spec.arch, activation: spec.activation, sigmaW2, sigmaB2, inputVariance: p.inputStd ** 2, inputCorrelation },
    });
  }
  if (p.jacobian !== undefined) {
    const x = tf.slice(batch, [0, 0, 0, 0], [1, -1, -1, -1]);
    try {
      out.jacobian = probeJacobian({
        net: target.net,
        x,
        method: p.jacobian.method,
        projections: p.jacobian.projections ?? 0,
        seed: deriveSeed(spec.seed, 'probe-jacobian'),
        theory: { activation: spec.activation, init: spec.init, kernel: spec.arch.kernel, depth: spec.arch.depth, sigmaW2, sigmaB2, inputVariance: inputSecondMoment },
      });
    } finally {
      x.dispose();
    }
  }
  return out;
}

/**
 * Probes a model built by buildRunModel on `batch` (makeProbeBatch(spec) at init, or a data batch) at
 * training step `step`. The theory beside each number is the at-init prediction from the model's
 * weight variances (see RunModel.weightVariances).
 */
export async function probeRun(spec: BuiltinRunSpec, built: RunModel, batch: tf.Tensor4D, step: number): Promise<ProbeResult> {
  return probeWith({ spec, target: built, batch, step, weightVariances: built.weightVariances });
}

/**
 * Builds and probes each run at init on its own Gaussian (or LSUV) batch, one at a time, and
 * aggregates over them: what `initbench probe` shows for the runs of a one-point plan.
 */
export async function probeSpecs(specs: readonly RunSpec[]): Promise<{ results: ProbeResult[]; aggregate: AggregateProbe }> {
  const results: ProbeResult[] = [];
  for (const spec of specs.map(builtinRun)) {
    const batch = makeProbeBatch(spec);
    try {
      const built = await buildRunModel(spec, { lsuvBatch: batch });
      try {
        results.push(await probeRun(spec, built, batch, 0));
      } finally {
        built.dispose();
      }
    } finally {
      batch.dispose();
    }
  }
  return { results, aggregate: aggregateProbes(results) };
}

/** Mean, sample standard deviation (n−1), min and max over seeds; nulls are left out and counted. */
export interface Spread {
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  n: number;
}

export function spread(xs: (number | null)[]): Spread {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: null, sd: null, min: null, max: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, min: Math.min(...v), max: Math.max(...v), n };
}

export const PROBE_STATS = [
  'pre.mean', 'pre.variance', 'pre.secondMoment',
  'post.mean', 'post.variance', 'post.secondMoment',
  'deadFraction', 'saturatedFraction',
  'gradPre.mean', 'gradPre.variance', 'gradPre.secondMoment',
  'gradWeight.mean', 'gradWeight.variance', 'gradWeight.secondMoment',
  'signal.pre.sqMean', 'signal.pre.variance', 'signal.post.sqMean', 'signal.post.variance',
  'signal.branch.sqMean', 'signal.branch.variance',
] as const;
export type ProbeStat = (typeof PROBE_STATS)[number];

function statOf(l: LayerProbe, s: ProbeStat): number | null {
  if (s === 'deadFraction') return l.deadFraction;
  if (s === 'saturatedFraction') return l.saturatedFraction;
  if (s.startsWith('signal.')) {
    const [, part, key] = s.split('.') as ['signal', keyof SignalStats, keyof ChannelStats];
    return l.signal?.[part]?.[key] ?? null;
  }
  const [group, key] = s.split('.') as ['pre' | 'post' | 'gradPre' | 'gradWeight', keyof Moments];
  return l[group][key];
}

/** A layer's identity as in LayerProbe, with each statistic's spread over the probes. */
export interface AggregateLayer extends Pick<LayerProbe, 'index' | 'name' | 'kind' | 'fanIn' | 'fanOut' | 'spatial'> {
  stats: Record<ProbeStat, Spread>;
  /** mean over results of each theory number (identical across seeds unless the spec differs) */
  theory: LayerTheory;
}

export interface AggregateProbe {
  results: number;
  layers: AggregateLayer[];
  summary: {
    perLayerRatio: Spread;
    theoryPerLayerRatio: number | null;
    lastOverFirst: Spread;
    theoryLastOverFirst: number | null;
  };
}

/** Per-layer and summary statistics over several probes of the same architecture (e.g. seeds). */
export function aggregateProbes(results: ProbeResult[]): AggregateProbe {
  if (results.length === 0) throw new Error('aggregateProbes: no results');
  const names = results[0]!.layers.map((l) => l.name).join(',');
  for (const r of results) {
    if (r.layers.map((l) => l.name).join(',') !== names) throw new Error('aggregateProbes: results have different layers');
  }
  const meanOrNull = (xs: (number | null)[]): number | null => spread(xs).mean;
  const layers = results[0]!.layers.map((l0, j) => {
    const rows = results.map((r) => r.layers[j]!);
    const stats = Object.fromEntries(PROBE_STATS.map((s) => [s, spread(rows.map((l) => statOf(l, s)))])) as Record<ProbeStat, Spread>;
    const bands = rows.map((l) => l.theory.preVarianceBand).filter((b): b is [number, number] => b !== null);
    return {
      index: l0.index,
      name: l0.name,
      kind: l0.kind,
      fanIn: l0.fanIn,
      fanOut: l0.fanOut,
      spatial: l0.spatial,
      stats,
      theory: {
        preVariance: meanOrNull(rows.map((l) => l.theory.preVariance)),
        gradPreVariance: meanOrNull(rows.map((l) => l.theory.gradPreVariance)),
        preVarianceBand:
          bands.length === rows.length
            ? ([meanOrNull(bands.map((b) => b[0]))!, meanOrNull(bands.map((b) => b[1]))!] as [number, number])
            : null,
        // a function of σ_w² alone: shared when every seed drew at the same σ_w² (all but LSUV)
        meanField: rows.every((l) => l.theory.meanField?.sigmaW2 === rows[0]!.theory.meanField?.sigmaW2) ? (rows[0]!.theory.meanField ?? null) : null,
      },
    };
  });
  return {
    results: results.length,
    layers,
    summary: {
      perLayerRatio: spread(results.map((r) => r.summary.perLayerRatio)),
      theoryPerLayerRatio: meanOrNull(results.map((r) => r.summary.theoryPerLayerRatio)),
      lastOverFirst: spread(results.map((r) => r.summary.lastOverFirst)),
      theoryLastOverFirst: meanOrNull(results.map((r) => r.summary.theoryLastOverFirst)),
    },
  };
}
