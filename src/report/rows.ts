/**
 * Records → typed chart rows. Every chart function takes rows from here, never records, so each
 * chart can be built and tested from hand-made rows alone.
 *
 * A run's "coordinates" are the axes of the suite matrix as readable strings (activation, depth,
 * width, …). Charts colour by initializer, put one axis on x, and facet by the rest that vary:
 * `panel` is the label of those varying axes, e.g. "relu" or "relu · width 16".
 */
import type { LayerProbe, RunRecord, RunSpec } from '../core/types.ts';
import { convPaddingFactors } from '../theory/index.ts';
import { finite, groupBy, median, minMax } from './util.ts';

/**
 * Axes in display order; `init` and `seed` are never facets. Together they cover every field of a
 * RunSpec but id, seed and repeat, so runs of different settings never share a panel as if seeds.
 */
const AXES = [
  'activation', 'arch', 'depth', 'width', 'kernel', 'padding', 'downsample', 'bias', 'head', 'input',
  'probe', 'probeAt', 'data', 'dataDetail', 'optimizer', 'lr', 'batch', 'steps', 'schedule', 'momentum',
  'weightDecay', 'warmup', 'evalEvery', 'target',
] as const;
export type Axis = (typeof AXES)[number];

/** The options of a run's initializer as text, optionally without the gain's activation. */
function initOptionText(spec: RunSpec, withoutActivation: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.init)) {
    if (k === 'name' || v === undefined || (withoutActivation && (k === 'activation' || k === 'alpha'))) continue;
    out[k] = String(v);
  }
  return out;
}

function ownGain(spec: RunSpec): boolean {
  return spec.init.activation === spec.activation.name && (spec.init.alpha ?? null) === (spec.activation.alpha ?? null);
}

/**
 * Initializer labels: the canonical name, plus those options that differ between runs sharing that
 * name (so 'he-normal' stays short unless the suite varies its gain or mode). An initializer whose
 * gain always follows its run's activation (lecun-normal for selu, gelu, …) keeps one label.
 */
export function initLabeler(specs: readonly RunSpec[]): (spec: RunSpec) => string {
  const byName = groupBy(specs, (s) => s.init.name);
  const varying = new Map<string, { keys: string[]; followsRun: boolean }>();
  for (const [name, group] of byName) {
    const followsRun = group.every(ownGain);
    const opts = group.map((s) => initOptionText(s, followsRun));
    const keys = new Set(opts.flatMap((o) => Object.keys(o)));
    varying.set(name, { keys: [...keys].filter((k) => new Set(opts.map((o) => o[k] ?? '')).size > 1).sort(), followsRun });
  }
  return (spec) => {
    const v = varying.get(spec.init.name) ?? { keys: [], followsRun: false };
    const opts = initOptionText(spec, v.followsRun);
    const extra = v.keys.filter((k) => opts[k] !== undefined).map((k) => `${k} ${opts[k]}`);
    return extra.length > 0 ? `${spec.init.name} (${extra.join(', ')})` : spec.init.name;
  };
}

export function activationLabel(spec: RunSpec): string {
  const a = spec.activation;
  return a.alpha !== undefined ? `${a.name} α=${a.alpha}` : a.name;
}

export function dataLabel(spec: RunSpec): string {
  const d = spec.data;
  if (d === null) return 'none';
  return d.kind === 'synthetic' ? `synthetic d=${d.difficulty}` : `cifar10 ${d.trainSize}/${d.testSize}`;
}

/** The matrix coordinates of a run as short labels ("depth 30", "width 64"). */
export function coordinates(spec: RunSpec): Record<Axis, string> {
  const a = spec.arch;
  const d = spec.data;
  const t = spec.train;
  return {
    activation: activationLabel(spec),
    arch: a.kind,
    depth: `depth ${a.depth}`,
    width: `width ${a.width}`,
    kernel: `kernel ${a.kernel}`,
    padding: `padding ${a.padding}`,
    downsample: a.downsample.at.length === 0 ? 'no downsampling' : `${a.downsample.mode} at ${a.downsample.at.join(',')}`,
    bias: a.bias ? 'bias' : 'no bias',
    head: a.head === 'none' ? 'no head' : `${a.classes}-class head`,
    input: `input ${spec.input.height}×${spec.input.width}×${spec.input.channels}`,
    probe: spec.probe === null ? 'no probe' : `probe ${spec.probe.source} σ=${spec.probe.inputStd} n=${spec.probe.batch}`,
    probeAt: spec.probe === null ? '' : spec.probe.atSteps.length === 0 ? 'probed at init' : `probed also at ${spec.probe.atSteps.join(',')}`,
    data: dataLabel(spec),
    dataDetail: d === null ? '' : d.kind === 'synthetic' ? `${d.trainSize}/${d.testSize} examples` : d.augment ? 'augmented' : 'not augmented',
    optimizer: t === null ? 'no training' : t.optimizer,
    lr: t === null ? '' : `lr ${t.lr}`,
    batch: t === null ? '' : `batch ${t.batchSize}`,
    steps: t === null ? '' : `${t.steps} steps`,
    schedule: t === null ? '' : t.schedule.kind === 'step' ? `lr ×${t.schedule.factor} every ${t.schedule.every}` : `${t.schedule.kind} lr`,
    momentum: t === null ? '' : `momentum ${t.momentum}`,
    weightDecay: t === null ? '' : `weight decay ${t.weightDecay}`,
    warmup: t === null ? '' : `warmup ${t.warmupSteps}`,
    evalEvery: t === null ? '' : `eval every ${t.evalEvery}`,
    target: t === null ? '' : `target ${t.targetAccuracy}`,
  };
}

/** Identifies one setting at one depth across seeds: the spec without its per-run fields. */
export function settingKey(spec: RunSpec): string {
  const { id: _id, seed: _seed, repeat: _repeat, ...rest } = spec;
  return JSON.stringify(rest);
}

/**
 * The axes whose value differs across these specs. An empty value (a training, probe or data detail of
 * a run without one) does not count: the `optimizer`, `probe` or `data` axis already tells those apart.
 */
export function varyingAxes(specs: readonly RunSpec[]): Axis[] {
  if (specs.length === 0) return [];
  const coords = specs.map(coordinates);
  return AXES.filter((ax) => new Set(coords.map((c) => c[ax]).filter((v) => v !== '')).size > 1);
}

/** Panel label from the varying axes minus those a chart shows another way. */
export function panelLabeler(specs: readonly RunSpec[], exclude: readonly Axis[]): (spec: RunSpec) => string {
  const axes = varyingAxes(specs).filter((a) => !exclude.includes(a));
  return (spec) => {
    const c = coordinates(spec);
    // Untrained runs have no lr/batch/steps: leave those out rather than print empty cells.
    const s = axes.map((a) => c[a]).filter((v) => v !== '').join(' · ');
    return s === '' ? 'all runs' : s;
  };
}

/** Panels sorted by their natural order (numbers inside labels compare numerically). */
export function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Panels with the most initializers first (the main comparison, e.g. He vs Xavier under ReLU),
 * ReLU before tanh before the rest, then in natural order.
 */
export function panelOrder(rows: readonly { panel: string; init: string }[]): string[] {
  const inits = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = inits.get(r.panel) ?? new Set<string>();
    set.add(r.init);
    inits.set(r.panel, set);
  }
  const act = (p: string) => (/^relu\b/.test(p) ? 0 : /^tanh\b/.test(p) ? 1 : 2);
  return sortLabels(inits.keys()).sort((a, b) => inits.get(b)!.size - inits.get(a)!.size || act(a) - act(b));
}

// ---------------------------------------------------------------- per-layer rows

export type LayerMetric = 'preVariance' | 'gradPreVariance' | 'postSecondMoment' | 'deadFraction';

/** One point of a per-layer line: measured (median over seeds, band min–max) or theory. */
export interface LayerRow {
  panel: string;
  init: string;
  layer: number;
  /** layer name, e.g. conv12 */
  name: string;
  series: 'measured' | 'theory';
  value: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
  depth: number;
}

function layerValue(l: LayerProbe, metric: LayerMetric): number | null {
  switch (metric) {
    case 'preVariance':
      return l.pre.variance;
    case 'gradPreVariance':
      return l.gradPre.variance;
    case 'postSecondMoment':
      return l.post.secondMoment;
    case 'deadFraction':
      return l.deadFraction;
  }
}

function layerTheory(l: LayerProbe, metric: LayerMetric): number | null {
  if (metric === 'preVariance') return l.theory.preVariance;
  if (metric === 'gradPreVariance') return l.theory.gradPreVariance;
  return null;
}

type ProbedRecord = RunRecord & { probe: NonNullable<RunRecord['probe']> };

function probed(records: readonly RunRecord[]): ProbedRecord[] {
  return records.filter((r): r is ProbedRecord => r.status !== 'failed' && r.probe !== null);
}

/**
 * Per-layer rows of the at-init probe. Each setting (all axes but depth and seed) is shown at its
 * deepest net: earlier layers of a deeper net tell the same forward story, and one line per depth
 * would bury the chart. `log` drops values ≤ 0 that a log axis cannot show.
 */
export function layerRows(records: readonly RunRecord[], metric: LayerMetric, opts: { log: boolean }): LayerRow[] {
  const recs = probed(records);
  const specs = recs.map((r) => r.spec);
  const label = initLabeler(specs);
  const panel = panelLabeler(specs, ['depth']);
  const settings = groupBy(recs, (r) => `${panel(r.spec)}\u0000${label(r.spec)}`);
  const rows: LayerRow[] = [];
  const ok = (v: number | null): v is number => v !== null && Number.isFinite(v) && (!opts.log || v > 0);
  for (const group of settings.values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const deepest = group.filter((r) => r.spec.arch.depth === depth);
    const first = deepest[0]!;
    const p = panel(first.spec);
    const init = label(first.spec);
    const layerCount = Math.max(...deepest.map((r) => r.probe.layers.length));
    for (let i = 0; i < layerCount; i++) {
      const ls = deepest.map((r) => r.probe.layers[i]).filter((l): l is LayerProbe => l !== undefined);
      const meta = ls[0]!;
      const vals = finite(ls.map((l) => layerValue(l, metric))).filter((v) => ok(v));
      const m = median(vals);
      const band = minMax(vals);
      if (m !== null && ok(m)) {
        rows.push({ panel: p, init, layer: meta.index, name: meta.name, series: 'measured', value: m, lo: band?.[0] ?? null, hi: band?.[1] ?? null, seeds: vals.length, depth });
      }
      const th = median(finite(ls.map((l) => layerTheory(l, metric))));
      if (ok(th)) {
        // The pre-activation theory carries a finite-width band: the spread one seed may show.
        const band = metric === 'preVariance' ? (meta.theory.preVarianceBand ?? null) : null;
        const [lo, hi] = band !== null && ok(band[0]) && ok(band[1]) ? band : [null, null];
        rows.push({ panel: p, init, layer: meta.index, name: meta.name, series: 'theory', value: th, lo, hi, seeds: ls.length, depth });
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------- training rows

export interface CurveRow {
  panel: string;
  init: string;
  step: number;
  median: number;
  lo: number;
  hi: number;
  seeds: number;
}

type TrainedRecord = Extract<RunRecord, { status: 'ok' | 'stalled' | 'diverged' }> & { train: NonNullable<RunRecord['train']> };

export function trained(records: readonly RunRecord[]): TrainedRecord[] {
  return records.filter((r): r is TrainedRecord => r.status !== 'failed' && r.train !== null);
}

function trainPanel(recs: readonly TrainedRecord[]): (spec: RunSpec) => string {
  return panelLabeler(recs.map((r) => r.spec), []);
}

/** Bucketed mean of a run's per-step losses, ≤ `points` buckets (smooths the per-batch noise). */
function bucketLosses(losses: readonly { step: number; loss: number }[], size: number): Map<number, number> {
  const out = new Map<number, number>();
  const buckets = groupBy(losses, (p) => String(Math.floor(p.step / size)));
  for (const [b, pts] of buckets) {
    const v = finite(pts.map((p) => p.loss));
    if (v.length === 0) continue;
    out.set(Math.min((Number(b) + 1) * size, Math.max(...pts.map((p) => p.step))), v.reduce((a, c) => a + c, 0) / v.length);
  }
  return out;
}

/** Panels of the training curves: the depth, then the other varying axes. */
function curvePanel(recs: readonly TrainedRecord[]): (spec: RunSpec) => string {
  const panel = panelLabeler(recs.map((r) => r.spec), ['depth']);
  return (s) => {
    const rest = panel(s);
    return rest === 'all runs' ? `depth ${s.arch.depth}` : `depth ${s.arch.depth} · ${rest}`;
  };
}

function curveRows(
  records: readonly RunRecord[],
  series: (r: TrainedRecord) => Map<number, number>,
): CurveRow[] {
  const recs = trained(records);
  const label = initLabeler(recs.map((r) => r.spec));
  const depthPanel = curvePanel(recs);
  const rows: CurveRow[] = [];
  for (const group of groupBy(recs, (r) => `${depthPanel(r.spec)}\u0000${label(r.spec)}`).values()) {
    const perSeed = group.map(series);
    const steps = [...new Set(perSeed.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    for (const step of steps) {
      const vals = finite(perSeed.map((m) => m.get(step)));
      const m = median(vals);
      const band = minMax(vals);
      if (m === null || band === null) continue;
      rows.push({ panel: depthPanel(group[0]!.spec), init: label(group[0]!.spec), step, median: m, lo: band[0], hi: band[1], seeds: vals.length });
    }
  }
  return rows;
}

/** Training loss per step: bucket means (≤ 120 points per run), median and min–max over seeds. */
export function lossRows(records: readonly RunRecord[]): CurveRow[] {
  // Bucket size from the planned steps, so a run cut short (diverged) shares its seeds' step grid.
  const rows = curveRows(records, (r) => {
    const planned = r.spec.train?.steps ?? (r.train.losses.at(-1)?.step ?? 0) + 1;
    return bucketLosses(r.train.losses, Math.max(1, Math.ceil(planned / 120)));
  });
  // The loss axis is logarithmic: a float32 loss that underflowed to 0 is drawn at 1e-9.
  const floor = (x: number) => Math.max(x, 1e-9);
  return rows.map((r) => ({ ...r, median: floor(r.median), lo: floor(r.lo), hi: floor(r.hi) }));
}

/** Held-out accuracy at each eval, median and min–max over seeds. */
export function accuracyRows(records: readonly RunRecord[]): CurveRow[] {
  return curveRows(records, (r) => new Map(r.train.evals.map((e) => [e.step, e.accuracy])));
}

/** Chance accuracy per panel (a rule on the accuracy chart), from that panel's runs. */
export function chanceRows(records: readonly RunRecord[], curves: readonly CurveRow[]): { panel: string; chance: number }[] {
  const recs = trained(records);
  const panel = curvePanel(recs);
  const byPanel = groupBy(recs, (r) => panel(r.spec));
  return sortLabels(curves.map((c) => c.panel)).map((panel) => ({ panel, chance: median((byPanel.get(panel) ?? []).map((r) => r.train.chance)) ?? 0.1 }));
}

// ---------------------------------------------------------------- trainability

export interface TrainCell {
  panel: string;
  init: string;
  depth: number;
  /** median final held-out accuracy over the runs that trained (diverged runs count as chance) */
  accuracy: number | null;
  runs: number;
  ok: number;
  stalled: number;
  diverged: number;
  failed: number;
  chance: number;
  /** the text in the cell, e.g. "0.86" or "0.10\nstalled 3/3" */
  label: string;
  /** settingKey of the runs in the cell */
  key: string;
}

export function trainabilityRows(records: readonly RunRecord[]): TrainCell[] {
  const withTrain = records.filter((r) => r.spec.train !== null);
  const specs = withTrain.map((r) => r.spec);
  const label = initLabeler(specs);
  const panel = panelLabeler(specs, ['depth']);
  const cells: TrainCell[] = [];
  for (const group of groupBy(withTrain, (r) => `${panel(r.spec)}\u0000${label(r.spec)}\u0000${r.spec.arch.depth}`).values()) {
    const first = group[0]!;
    const count = (s: RunRecord['status']) => group.filter((r) => r.status === s).length;
    const tr = trained(group);
    const chance = median(tr.map((r) => r.train.chance)) ?? 1 / Math.max(2, first.spec.arch.classes);
    // A diverged net predicts nothing useful: score it at chance so the median reflects it.
    const accs = tr.map((r) => (r.status === 'diverged' ? chance : (r.train.finalAccuracy ?? NaN)));
    const acc = median(accs);
    const n = group.length;
    const c = { ok: count('ok'), stalled: count('stalled'), diverged: count('diverged'), failed: count('failed') };
    const marks = (['stalled', 'diverged', 'failed'] as const).filter((s) => c[s] > 0).map((s) => `${s} ${c[s]}/${n}`);
    const text = acc === null ? marks.join('\n') : [acc.toFixed(2), marks.join(' · ')].filter((t) => t !== '').join('\n');
    cells.push({ panel: panel(first.spec), init: label(first.spec), depth: first.spec.arch.depth, accuracy: acc, runs: n, ...c, chance, label: text, key: settingKey(first.spec) });
  }
  return cells;
}

// ---------------------------------------------------------------- summaries for the headline

export interface ProbeSummaryRow {
  panel: string;
  init: string;
  activation: string;
  depth: number;
  width: number;
  seeds: number;
  perLayerRatio: number | null;
  theoryPerLayerRatio: number | null;
  lastOverFirst: number | null;
  theoryLastOverFirst: number | null;
  /** geometric-mean fraction of kernel taps inside the image ('same' zero padding), layers 2..L */
  paddingFactor: number | null;
  /** pre-activation variance of the last conv layer (median over seeds) and the theory's finite-width band there */
  lastVariance: number | null;
  lastBand: [number, number] | null;
  /** settingKey of the deepest runs summarised */
  key: string;
}

/** Geometric mean over conv layers 2..L of theory's tap fraction (the variance zero padding alone costs). */
function paddingFactor(spec: RunSpec): number | null {
  if (spec.arch.padding !== 'same') return 1;
  const logs = convPaddingFactors(spec.arch, spec.input).slice(1).map(Math.log);
  if (logs.length === 0) return null;
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

/** Per (setting, initializer) at its deepest net: the probe summary, median over seeds. */
export function probeSummaryRows(records: readonly RunRecord[]): ProbeSummaryRow[] {
  const recs = probed(records);
  const specs = recs.map((r) => r.spec);
  const label = initLabeler(specs);
  const panel = panelLabeler(specs, ['depth', 'activation']);
  const out: ProbeSummaryRow[] = [];
  for (const group of groupBy(recs, (r) => `${panel(r.spec)}\u0000${activationLabel(r.spec)}\u0000${label(r.spec)}`).values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const deepest = group.filter((r) => r.spec.arch.depth === depth);
    const first = deepest[0]!;
    const s = (f: (r: ProbedRecord) => number | null) => median(finite(deepest.map(f)));
    const lastConv = first.probe.layers.filter((l) => l.kind === 'conv').at(-1);
    const lastOf = (r: ProbedRecord) => r.probe.layers.find((l) => l.index === lastConv?.index);
    out.push({
      panel: panel(first.spec),
      init: label(first.spec),
      activation: activationLabel(first.spec),
      depth,
      width: first.spec.arch.width,
      seeds: deepest.length,
      perLayerRatio: s((r) => r.probe.summary.perLayerRatio),
      theoryPerLayerRatio: s((r) => r.probe.summary.theoryPerLayerRatio),
      lastOverFirst: s((r) => r.probe.summary.lastOverFirst),
      theoryLastOverFirst: s((r) => r.probe.summary.theoryLastOverFirst),
      paddingFactor: paddingFactor(first.spec),
      lastVariance: s((r) => lastOf(r)?.pre.variance ?? null),
      lastBand: lastConv?.theory.preVarianceBand ?? null,
      key: settingKey(first.spec),
    });
  }
  // The main comparison first: the panel with the most settings, ReLU then tanh, then the rest.
  const size = new Map<string, number>();
  for (const r of out) size.set(r.panel, (size.get(r.panel) ?? 0) + 1);
  const actRank = (a: string) => (a === 'relu' ? 0 : a === 'tanh' ? 1 : 2);
  return out.sort(
    (a, b) =>
      size.get(b.panel)! - size.get(a.panel)! || a.panel.localeCompare(b.panel, 'en', { numeric: true }) ||
      actRank(a.activation) - actRank(b.activation) || a.activation.localeCompare(b.activation) || a.init.localeCompare(b.init),
  );
}
