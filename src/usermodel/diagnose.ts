/**
 * The diagnosis of a probed user model, in words and numbers:
 *  - where the signal (Var of pre-activations, forward) or the gradient (Var of ∂/∂pre, backward)
 *    shrinks or grows by more than 2× over any 5 consecutive conv/dense layers, merged into ranges;
 *  - kernels drawn by tfjs from a normal truncated at ±2σ without correcting σ (VarianceScaling
 *    'normal', i.e. glorotNormal, heNormal, leCunNormal, and truncatedNormal): 0.774× the variance
 *    they name (src/init's TRUNCATED_VARIANCE_FACTOR), shown beside the measured ratio;
 *  - kernels whose σ_w² = fan-in·E[W²] does not match the gain of the activation that follows;
 *  - dead-ReLU and saturation hot spots.
 * The recommendation per layer comes from src/theory: σ_w² = g² with g the gain of the following
 * activation (activationGain: He's 2 for relu, 2/(1+a²) for leaky_relu, 1 for a linear head, …), drawn
 * untruncated with fan-in scaling, with the mean-field χ₁ and q* of that σ_w² beside it. A re-probe
 * with the recommendation then gives the same statistics after.
 */
import type { ActivationName, InitSpec } from '../core/types.ts';
import { TRUNCATED_VARIANCE_FACTOR, fans, nominalMoments, normalizeInitSpec, trueMoments } from '../init/index.ts';
import { activationGain, meanField, secondMomentFactor } from '../theory/index.ts';
import type { AggregateProbe } from '../probe/probe.ts';
import type { InitOverride } from './load.ts';
import { probeUserModel, type UserProbeOptions, type UserProbeResult } from './probe.ts';
import { headLayers, type UserLayerInfo, type UserTopology } from './topology.ts';

/** Over how many consecutive layers a change is judged, and the factor that is too much. */
export const WINDOW = 5;
export const WINDOW_FACTOR = 2;
/**
 * A layer's σ_w² may differ from its target by this factor before it is called a mismatch: the
 * per-layer factor that compounds to WINDOW_FACTOR over WINDOW layers (2^(1/4) ≈ 1.19), so a mismatch
 * is what would, repeated, make a flagged range.
 */
export const GAIN_TOLERANCE = WINDOW_FACTOR ** (1 / (WINDOW - 1));
/** Fractions of dead or saturated units that make a hot spot. */
export const HOT_SPOT = 0.1;

export interface Range {
  direction: 'forward' | 'backward';
  change: 'shrinks' | 'grows';
  first: string;
  last: string;
  /** kernel layers from first to last, inclusive */
  layers: number;
  /** geometric mean factor per layer (forward: Var(pre_{l+1})/Var(pre_l); backward: toward the input) */
  perLayer: number;
  from: number;
  to: number;
}

export interface LayerAdvice {
  name: string;
  className: string;
  activation: string | null;
  /** the initializer the probe drew with: the declared one as tfjs names it (glorotNormal, …), or the --init / --init-map one */
  declared: string;
  /** drawn from a normal truncated at ±2σ without correcting σ (tfjs's VarianceScaling 'normal', truncatedNormal) */
  truncated: boolean;
  /** E[W²] over that initializer's nominal variance, null when it names none */
  drawnOverNominal: number | null;
  sigmaW2: number;
  /** σ_w² the following activation's gain asks for */
  target: number;
  gainMismatch: boolean;
  /** theory's per-layer factor on E[z²] at the current σ_w² (σ_w²·E[φ(z)²]/E[z²] at unit variance) */
  factorNow: number | null;
  factorRecommended: number | null;
  recommended: string;
  spec: InitSpec;
  /** mean-field χ₁ and q* at the recommended σ_w² (zero bias) */
  chi1: number | null;
  qStar: number | null;
  deadFraction: number | null;
  saturatedFraction: number | null;
  /** batch norm follows: the kernel's scale does not reach the activation at init */
  bnAfter: boolean;
}

export interface DiagnosisSide {
  /** geometric mean of Var(pre) from layer to layer over the trunk (the conv layers, or the dense ones of a net without convs) */
  perLayerRatio: number | null;
  /** Var(pre) of the trunk's last layer over its first */
  lastOverFirst: number | null;
  /** Var(∂/∂pre) of the trunk's first layer over its last */
  gradFirstOverLast: number | null;
  ranges: Range[];
  layers: { name: string; preVariance: number | null; gradPreVariance: number | null; deadFraction: number | null }[];
}

export interface Diagnosis {
  ranges: Range[];
  advice: LayerAdvice[];
  hotSpots: { name: string; kind: 'dead' | 'saturated'; fraction: number }[];
  /** the layers the re-probe changed, with the spec each got */
  applied: { name: string; recommended: string }[];
  before: DiagnosisSide;
  after: DiagnosisSide | null;
  /** the diagnosis in words, numbers included */
  sentences: string[];
}

/** tfjs's names for its VarianceScaling settings; other initializers by class. */
export function describeInit(init: UserLayerInfo['kernelInitializer']): string {
  if (init === null) return 'none declared';
  const c = init.config;
  if (init.className === 'VarianceScaling') {
    const key = `${String(c.scale ?? 1)}/${String(c.mode ?? 'fan_in')}/${String(c.distribution ?? 'normal')}`;
    const names: Record<string, string> = {
      '1/fan_avg/normal': 'glorotNormal',
      '1/fan_avg/uniform': 'glorotUniform',
      '2/fan_in/normal': 'heNormal',
      '2/fan_in/uniform': 'heUniform',
      '1/fan_in/normal': 'leCunNormal',
      '1/fan_in/uniform': 'leCunUniform',
    };
    return names[key] ?? `VarianceScaling(scale ${String(c.scale ?? 1)}, ${String(c.mode ?? 'fan_in')}, ${String(c.distribution ?? 'normal')})`;
  }
  const first = init.className.charAt(0).toLowerCase() + init.className.slice(1);
  return first;
}

/** The variance the declared initializer names for `shape` (tfjs's fans), or null. */
function nominalVariance(init: UserLayerInfo['kernelInitializer'], shape: number[]): number | null {
  if (init === null) return null;
  const c = init.config;
  const { fanIn, fanOut } = fans(shape);
  const fan = (mode: string): number => (mode === 'fan_out' ? fanOut : mode === 'fan_avg' ? (fanIn + fanOut) / 2 : fanIn);
  switch (init.className) {
    case 'VarianceScaling':
      return Number(c.scale ?? 1) / fan(String(c.mode ?? 'fan_in'));
    case 'GlorotNormal':
    case 'GlorotUniform':
      return 2 / (fanIn + fanOut);
    case 'HeNormal':
    case 'HeUniform':
      return 2 / fanIn;
    case 'LeCunNormal':
    case 'LeCunUniform':
      return 1 / fanIn;
    case 'TruncatedNormal':
    case 'RandomNormal':
      return Number(c.stddev ?? 0.05) ** 2 + Number(c.mean ?? 0) ** 2;
    case 'RandomUniform': {
      const lo = Number(c.minval ?? -0.05);
      const hi = Number(c.maxval ?? 0.05);
      return (hi * hi + hi * lo + lo * lo) / 3;
    }
    default:
      return null;
  }
}

/**
 * tfjs draws VarianceScaling 'normal' (and its glorot/he/leCun normal shorthands) and truncatedNormal
 * from a normal cut at ±2σ without rescaling σ. Keras's 'truncated_normal' rescales: a Keras-converted
 * file with its weights was drawn by Keras, so only its explicit TruncatedNormal is uncorrected.
 */
function isTruncated(topo: UserTopology, init: UserLayerInfo['kernelInitializer']): boolean {
  if (init === null) return false;
  if (init.className === 'TruncatedNormal') return true;
  const tfjsDrew = topo.format !== 'keras-converted' || !topo.hasWeights;
  const vsNormal = init.className === 'VarianceScaling' && (init.config.distribution ?? 'normal') === 'normal';
  return tfjsDrew && (vsNormal || ['GlorotNormal', 'HeNormal', 'LeCunNormal'].includes(init.className));
}

const THEORY_ACTS = new Set(['linear', 'relu', 'leaky_relu', 'tanh', 'sigmoid', 'selu', 'elu', 'gelu', 'swish']);

function actOf(l: UserLayerInfo): { name: ActivationName; alpha?: number } {
  const name = l.activation !== null && THEORY_ACTS.has(l.activation) ? (l.activation as ActivationName) : 'linear';
  return l.activationAlpha !== null ? { name, alpha: l.activationAlpha } : { name };
}

/** How a sentence names the activation a kernel feeds. */
function actPhrase(act: string | null): string {
  if (act === null) return 'a linear output';
  if (act === 'softmax') return 'a softmax output (gain 1, as linear)';
  return THEORY_ACTS.has(act) ? act : `${act} (no gain in src/theory: as linear)`;
}

/** The recommendation for one layer: fan-in normal at the gain of the following activation. */
export function recommend(l: UserLayerInfo): { spec: InitSpec; label: string; target: number } {
  const act = actOf(l);
  // softmax heads and linear heads take gain 1; an activation theory lacks is treated as linear
  const target = activationGain(act) ** 2;
  const he = act.name === 'relu' || act.name === 'leaky_relu';
  const raw = he ? { name: 'he-normal', activation: act.name, ...(act.alpha !== undefined ? { alpha: act.alpha } : {}) } : { name: 'lecun-normal', activation: act.name };
  const spec = normalizeInitSpec(raw);
  const label = he ? (act.name === 'relu' ? 'he-normal' : `he-normal (leaky_relu ${act.alpha ?? 0.01})`) : act.name === 'linear' ? 'lecun-normal' : `lecun-normal, gain of ${act.name} (${Math.sqrt(target).toFixed(3)})`;
  return { spec, label, target };
}

/** One step of the length map from a unit pre-activation, zero bias: σ_w²·E[φ(z)²], z ~ N(0, 1) (relu: σ_w²/2). */
function lengthFactor(l: UserLayerInfo, sigmaW2: number): number | null {
  if (l.activation !== null && !THEORY_ACTS.has(l.activation)) return null;
  return sigmaW2 * secondMomentFactor(actOf(l), 1);
}

/** Ranges of kernel layers over which `v` changes by more than WINDOW_FACTOR across WINDOW layers. */
export function findRanges(names: string[], v: (number | null)[], direction: 'forward' | 'backward'): Range[] {
  const out: Range[] = [];
  const n = names.length;
  if (n < WINDOW) return out;
  const flags: ('shrinks' | 'grows' | null)[] = [];
  for (let i = 0; i + WINDOW - 1 < n; i++) {
    const a = v[i];
    const b = v[i + WINDOW - 1];
    if (a === null || b === null || a === undefined || b === undefined || !(a > 0) || !(b > 0)) {
      flags.push(null);
      continue;
    }
    // forward: later over earlier; backward: toward the input, earlier over later
    const r = direction === 'forward' ? b / a : a / b;
    flags.push(r < 1 / WINDOW_FACTOR ? 'shrinks' : r > WINDOW_FACTOR ? 'grows' : null);
  }
  let i = 0;
  while (i < flags.length) {
    const f = flags[i];
    if (f === null || f === undefined) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < flags.length && flags[j + 1] === f) j++;
    const a = i;
    const b = j + WINDOW - 1;
    const from = direction === 'forward' ? v[a]! : v[b]!;
    const to = direction === 'forward' ? v[b]! : v[a]!;
    out.push({ direction, change: f, first: names[a]!, last: names[b]!, layers: b - a + 1, perLayer: Math.pow(to / from, 1 / (b - a)), from, to });
    i = j + 1;
  }
  return out;
}

/**
 * The layers ranges and first/last ratios are judged over: the conv layers when there are any (a
 * pooled dense head's variance differs from the trunk's by the pooling, not the init), else every dense.
 */
function trunk(agg: AggregateProbe): number[] {
  const conv = agg.layers.flatMap((l, j) => (l.kind === 'conv' ? [j] : []));
  return conv.length > 0 ? conv : agg.layers.map((_, j) => j);
}

function side(agg: AggregateProbe): DiagnosisSide {
  const pre = agg.layers.map((l) => l.stats['pre.variance'].mean);
  const grad = agg.layers.map((l) => l.stats['gradPre.variance'].mean);
  const t = trunk(agg);
  const names = t.map((j) => agg.layers[j]!.name);
  const g0 = grad[t[0]!] ?? null;
  const gL = grad[t[t.length - 1]!] ?? null;
  const p0 = pre[t[0]!] ?? null;
  const pL = pre[t[t.length - 1]!] ?? null;
  const lastOverFirst = t.length > 1 && p0 !== null && pL !== null && p0 > 0 ? pL / p0 : null;
  return {
    perLayerRatio: lastOverFirst !== null && lastOverFirst > 0 ? Math.pow(lastOverFirst, 1 / (t.length - 1)) : null,
    lastOverFirst,
    gradFirstOverLast: g0 !== null && gL !== null && gL > 0 ? g0 / gL : null,
    ranges: [...findRanges(names, t.map((j) => pre[j]!), 'forward'), ...findRanges(names, t.map((j) => grad[j]!), 'backward')],
    layers: agg.layers.map((l, j) => ({ name: l.name, preVariance: pre[j]!, gradPreVariance: grad[j]!, deadFraction: l.stats.deadFraction.mean })),
  };
}

const f3 = (x: number | null): string => (x === null ? '-' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(1));

/**
 * The diagnosis from the probes at the current init (`before`) and, when given, the re-probe with the
 * recommendation (`after`: its results and the layers it changed).
 */
export function diagnose(
  topo: UserTopology,
  before: { results: UserProbeResult[]; aggregate: AggregateProbe },
  after: { results: UserProbeResult[]; aggregate: AggregateProbe; applied: string[] } | null,
  /** the initializers the probe applied over the declared ones (default: none) */
  init: InitOverride = { all: 'keep' },
): Diagnosis {
  const kernels = topo.layers.filter((l) => l.kind !== 'other');
  const heads = headLayers(topo);
  /** an --init/--init-map layer: its name, whether it truncates, its nominal variance (src/init's registry) */
  const overridden = (l: UserLayerInfo): { name: string; truncated: boolean; nominal: number } | null => {
    const spec = init.perLayer?.[l.name] ?? (init.all === 'keep' ? null : init.all);
    if (spec === null) return null;
    // a depthwise kernel is drawn as [kh,kw,1,cin·m] (load.ts), so its fans are those of that shape
    const k = l.kernelShape!;
    const shape = l.className === 'Conv2D' || l.className === 'Dense' ? k : [k[0]!, k[1]!, 1, k[2]! * k[3]!];
    const act = l.pointwise !== null ? { name: 'linear' as const } : actOf(l);
    const ctx = { role: heads.has(l.name) ? ('head' as const) : ('plain' as const) };
    const nominal = nominalMoments(spec, shape, act, ctx).variance;
    const drawn = trueMoments(spec, shape, act, ctx).variance;
    return { name: spec.name, truncated: nominal > 0 && drawn / nominal < 0.9, nominal };
  };
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const advice: LayerAdvice[] = kernels.map((l, j) => {
    const sigmaW2 = mean(before.results.map((r) => r.layers[j]!.sigmaW2));
    const w2 = mean(before.results.map((r) => r.layers[j]!.weightSecondMoment));
    const rec = recommend(l);
    const over = overridden(l);
    const nominal = over !== null ? over.nominal : nominalVariance(l.kernelInitializer, l.kernelShape!);
    const stats = before.aggregate.layers[j]!.stats;
    const bnAfter = l.bnAfter !== null;
    const mf = meanField(actOf(l), rec.target, 0);
    return {
      name: l.name,
      className: l.className,
      activation: l.activation,
      declared: over !== null ? over.name : describeInit(l.kernelInitializer),
      truncated: over !== null ? over.truncated : isTruncated(topo, l.kernelInitializer),
      drawnOverNominal: nominal !== null && nominal > 0 ? w2 / nominal : null,
      sigmaW2,
      target: rec.target,
      gainMismatch: !bnAfter && (sigmaW2 > rec.target * GAIN_TOLERANCE || sigmaW2 < rec.target / GAIN_TOLERANCE),
      factorNow: lengthFactor(l, sigmaW2),
      factorRecommended: lengthFactor(l, rec.target),
      recommended: rec.label,
      spec: rec.spec,
      chi1: mf.chi1,
      qStar: mf.qStar,
      deadFraction: stats.deadFraction.mean,
      saturatedFraction: stats.saturatedFraction.mean,
      bnAfter,
    };
  });
  const hotSpots: Diagnosis['hotSpots'] = [];
  for (const a of advice) {
    if ((a.deadFraction ?? 0) >= HOT_SPOT) hotSpots.push({ name: a.name, kind: 'dead', fraction: a.deadFraction! });
    if ((a.saturatedFraction ?? 0) >= HOT_SPOT) hotSpots.push({ name: a.name, kind: 'saturated', fraction: a.saturatedFraction! });
  }
  const b = side(before.aggregate);
  const af = after === null ? null : side(after.aggregate);
  const applied = after === null ? [] : after.applied.map((n) => ({ name: n, recommended: advice.find((a) => a.name === n)!.recommended }));
  const sentences: string[] = [];
  const idx = new Map(kernels.map((l, j) => [l.name, j]));
  for (const r of b.ranges) {
    const span = `${r.first}–${r.last}`;
    const what = r.direction === 'forward' ? 'the signal (Var of pre-activations)' : 'the gradient (Var of ∂/∂pre, toward the input)';
    const inRange = advice.slice(idx.get(r.first)!, idx.get(r.last)! + 1);
    const decl = [...new Set(inRange.map((a) => a.declared))].join(', ');
    const changed = new Set(after?.applied ?? []);
    const recs = [...new Set(inRange.filter((a) => changed.has(a.name)).map((a) => a.recommended))].join(', ');
    let line = `${span}: ${what} ${r.change} × ${f3(r.perLayer)} per layer (${f3(r.from)} → ${f3(r.to)}); init ${decl}`;
    // the step into layer l+1 is layer l+1's σ_w²·E[φ(z)²]: the range's first layer sets no step inside it
    const th = inRange.slice(1).map((a) => a.factorNow).filter((x): x is number => x !== null);
    if (th.length > 0 && r.direction === 'forward') line += `, theory × ${f3(Math.exp(mean(th.map(Math.log))))} per layer`;
    const at = new Map(topo.layers.map((l, i) => [l.name, i]));
    const pools = topo.layers.filter((l, i) => l.className === 'MaxPooling2D' && i > at.get(r.first)! && i < at.get(r.last)!).map((l) => l.name);
    if (pools.length > 0 && r.direction === 'forward' && r.change === 'grows') line += ` (max pooling inside, ${pools.join(', ')}: each window's largest value raises E[x²], which the length map does not count)`;
    if (af !== null && recs === '') line += '; the recommendation changes none of these kernels (batch norm follows them or their gain fits)';
    if (af !== null && recs !== '') {
      const same = af.layers.slice(idx.get(r.first)!, idx.get(r.last)! + 1);
      const v = same.map((l) => (r.direction === 'forward' ? l.preVariance : l.gradPreVariance));
      const from = r.direction === 'forward' ? v[0] : v[v.length - 1];
      const to = r.direction === 'forward' ? v[v.length - 1] : v[0];
      if (from !== null && from !== undefined && to !== null && to !== undefined && from > 0 && to > 0) {
        line += ` → ${recs}: × ${f3(Math.pow(to / from, 1 / (v.length - 1)))} per layer (${f3(from)} → ${f3(to)})`;
      }
    }
    sentences.push(line);
  }
  if (b.ranges.length === 0) sentences.push(`no range of ${WINDOW} layers where the signal or the gradient changes by more than ${WINDOW_FACTOR}×`);
  const trunc = advice.filter((a) => a.truncated);
  if (trunc.length > 0) {
    const ratios = trunc.map((a) => a.drawnOverNominal).filter((x): x is number => x !== null);
    sentences.push(
      `${trunc.length === kernels.length ? 'every conv/dense kernel' : trunc.map((a) => a.name).join(', ')}: ${[...new Set(trunc.map((a) => a.declared))].join(', ')} draws from a normal truncated at ±2σ without correcting σ: ` +
        `${TRUNCATED_VARIANCE_FACTOR.toFixed(3)}× the variance it names` +
        (ratios.length > 0 ? ` (measured E[W²]/nominal: ${f3(Math.min(...ratios))}–${f3(Math.max(...ratios))})` : ''),
    );
  }
  const mism = advice.filter((a) => a.gainMismatch);
  if (mism.length > 0) {
    const groups = new Map<string, LayerAdvice[]>();
    for (const a of mism) groups.set(`${a.activation ?? 'linear'}|${a.recommended}`, [...(groups.get(`${a.activation ?? 'linear'}|${a.recommended}`) ?? []), a]);
    for (const g of groups.values()) {
      const a0 = g[0]!;
      const names = g.length > 3 ? `${g[0]!.name}, …, ${g[g.length - 1]!.name} (${g.length} layers)` : g.map((a) => a.name).join(', ');
      const s = g.map((a) => a.sigmaW2);
      sentences.push(
        `${names}: σ_w² = fan-in·E[W²] = ${f3(Math.min(...s))}${s.length > 1 && Math.max(...s) / Math.min(...s) > 1.01 ? `–${f3(Math.max(...s))}` : ''} where ${actPhrase(a0.activation)} needs ${f3(a0.target)} (gain ${f3(Math.sqrt(a0.target))}; mean-field χ₁ = ${f3(a0.chi1)} there) → ${a0.recommended}`,
      );
    }
  }
  for (const kind of ['dead', 'saturated'] as const) {
    const hs = hotSpots.filter((h) => h.kind === kind);
    if (hs.length === 0) continue;
    const afterOf = (name: string): number | null => af?.layers.find((l) => l.name === name)?.deadFraction ?? null;
    const list = hs.map((h) => {
      const x = kind === 'dead' ? afterOf(h.name) : null;
      return `${h.name} ${(h.fraction * 100).toFixed(0)}%${x !== null ? ` (after: ${(x * 100).toFixed(0)}%)` : ''}`;
    });
    sentences.push(`${kind === 'dead' ? 'dead-ReLU hot spots (units zero on every example of the batch)' : 'saturation hot spots (units in the flat region)'}, ≥ ${HOT_SPOT * 100}% of a layer: ${list.join(', ')}`);
  }
  if (af !== null && b.gradFirstOverLast !== null && af.gradFirstOverLast !== null) {
    const t = trunk(before.aggregate);
    const first = kernels[t[0]!]!.name;
    const last = kernels[t[t.length - 1]!]!.name;
    if (first !== last) {
      sentences.push(
        `${first}'s gradient variance is ${f3(b.gradFirstOverLast)} of ${last}'s before, ${f3(af.gradFirstOverLast)} after; ` +
          `Var(pre) of ${last} over ${first}: ${f3(b.lastOverFirst)} before, ${f3(af.lastOverFirst)} after`,
      );
    }
  }
  return { ranges: b.ranges, advice, hotSpots, applied, before: b, after: af, sentences };
}

/** The layers the recommendation changes: a gain mismatch or an uncorrected truncated draw (unless batch norm follows). */
export function layersToChange(d: Pick<Diagnosis, 'advice'>): { name: string; spec: InitSpec }[] {
  return d.advice.filter((a) => !a.bnAfter && (a.gainMismatch || a.truncated)).map((a) => ({ name: a.name, spec: a.spec }));
}

/**
 * Probes at the current init, re-probes with the recommendation on the layers that need it (the
 * others as they were: `init` applies to them as before), and diagnoses both. The model is loaded
 * afresh per seed from the file (`opts.model` is not used), so both probes start from the same weights.
 */
export async function runDiagnosis(opts: Omit<UserProbeOptions, 'model'>): Promise<{
  before: { results: UserProbeResult[]; aggregate: AggregateProbe };
  after: { results: UserProbeResult[]; aggregate: AggregateProbe } | null;
  diagnosis: Diagnosis;
}> {
  const before = await probeUserModel(opts);
  const first = diagnose(opts.topology, before, null, opts.init);
  const change = layersToChange(first);
  if (change.length === 0) return { before, after: null, diagnosis: first };
  const init: InitOverride = { all: opts.init?.all ?? 'keep', perLayer: { ...(opts.init?.perLayer ?? {}), ...Object.fromEntries(change.map((c) => [c.name, c.spec])) } };
  const after = await probeUserModel({ ...opts, init });
  return { before, after, diagnosis: diagnose(opts.topology, before, { ...after, applied: change.map((c) => c.name) }, opts.init) };
}
