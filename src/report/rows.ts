/**
 * Records → typed chart rows. Every chart function takes rows from here, never records, so each
 * chart can be built and tested from hand-made rows alone.
 *
 * Charts colour by initializer, put one setting on x, and facet by the rest that vary among their
 * runs. A panel's label names only where its runs differ from the chart's usual run (settings.ts):
 * "relu", "relu · width 8 · input 16×16×3"; what every run of the chart shares is its `line`.
 */
import type { LayerProbe, RunRecord, RunSpec } from '../core/types.ts';
import { convPaddingFactors } from '../theory/index.ts';
import {
  activationLabel, chartScope, mergedPanels, pageSettings, scopeSentence, settingKey, type PageSettings,
} from './settings.ts';
import { finite, groupBy, median, minMax, sortLabels } from './util.ts';

export { activationLabel, coordinates, dataLabel, settingKey, type Axis } from './settings.ts';
export { sortLabels } from './util.ts';

/** A chart's rows and its "these runs" sentence (null: nothing to add to the page's settings lines). */
export interface ChartRows<T> {
  rows: T[];
  line: string | null;
}

/** The settings of the page the records make up. */
export function pageOf(records: readonly RunRecord[]): PageSettings {
  return pageSettings(records.map((r) => r.spec));
}

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

/** The panel of a gain table (see settings.ts mergedPanels) and of the rest, in reading order. */
export const MERGED_PANEL = 'one initializer per activation';

/**
 * Panels with the most initializers first (the main comparison, e.g. He vs Xavier under ReLU),
 * ReLU before tanh before the rest, the gain table after them, then in natural order.
 */
export function panelOrder(rows: readonly { panel: string; init: string }[]): string[] {
  const inits = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = inits.get(r.panel) ?? new Set<string>();
    set.add(r.init);
    inits.set(r.panel, set);
  }
  const act = (p: string) => (/^relu\b/.test(p) ? 0 : /^tanh\b/.test(p) ? 1 : p.startsWith(MERGED_PANEL) ? 3 : 2);
  return sortLabels(inits.keys()).sort((a, b) => inits.get(b)!.size - inits.get(a)!.size || act(a) - act(b));
}

type ProbedRecord = RunRecord & { probe: NonNullable<RunRecord['probe']> };

export function probed(records: readonly RunRecord[]): ProbedRecord[] {
  return records.filter((r): r is ProbedRecord => r.status !== 'failed' && r.probe !== null);
}

/** Per chart: initializer labels, (merged) panels and the "these runs" line over its runs. */
export interface Labels {
  init: (spec: RunSpec) => string;
  panel: (spec: RunSpec) => { panel: string; tag: string };
  line: string | null;
}

export function labelsFor(specs: readonly RunSpec[], page: PageSettings, encoded: Parameters<typeof chartScope>[2], merge: boolean): Labels {
  const scope = chartScope(specs, page, encoded);
  const init = initLabeler(specs);
  const panel = merge ? mergedPanels(specs, scope, init) : (s: RunSpec) => ({ panel: scope.panel(s), tag: '' });
  return { init, panel, line: scopeSentence(scope) };
}

// ---------------------------------------------------------------- per-layer rows

/** `unitFraction`: the dead fraction, or for tanh and sigmoid the saturated fraction. */
export type LayerMetric = 'preVariance' | 'gradPreVariance' | 'postSecondMoment' | 'unitFraction';

/** One point of a per-layer line: measured (median over seeds, band min–max) or theory. */
export interface LayerRow {
  panel: string;
  init: string;
  /** the activation, on lines of the gain-table panel (several activations, one initializer each); else '' */
  tag: string;
  layer: number;
  /** layer name, e.g. conv12 or head */
  name: string;
  series: 'measured' | 'theory';
  value: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
  depth: number;
  /** what a unitFraction row counts */
  measure: 'dead' | 'saturated' | null;
}

const SATURATING = new Set(['tanh', 'sigmoid']);

function layerValue(l: LayerProbe, metric: LayerMetric, spec: RunSpec): number | null {
  switch (metric) {
    case 'preVariance':
      return l.pre.variance;
    case 'gradPreVariance':
      return l.gradPre.variance;
    case 'postSecondMoment':
      return l.post.secondMoment;
    case 'unitFraction':
      return SATURATING.has(spec.activation.name) ? l.saturatedFraction : l.deadFraction;
  }
}

function layerTheory(l: LayerProbe, metric: LayerMetric): number | null {
  if (metric === 'preVariance') return l.theory.preVariance;
  if (metric === 'gradPreVariance') return l.theory.gradPreVariance;
  return null;
}

/**
 * Per-layer rows of the at-init probe. Each setting is shown at its deepest net: earlier layers of a
 * deeper net tell the same forward story, and one line per depth would bury the chart (the depth law
 * chart has every depth). `log` drops values ≤ 0 that a log axis cannot show.
 */
export function layerRows(records: readonly RunRecord[], metric: LayerMetric, opts: { log: boolean }): ChartRows<LayerRow> {
  const recs = probed(records);
  const lab = labelsFor(recs.map((r) => r.spec), pageOf(records), ['depth'], true);
  const key = (r: ProbedRecord) => {
    const p = lab.panel(r.spec);
    return `${p.panel}\u0000${p.tag}\u0000${lab.init(r.spec)}`;
  };
  const rows: LayerRow[] = [];
  const ok = (v: number | null): v is number => v !== null && Number.isFinite(v) && (!opts.log || v > 0);
  for (const group of groupBy(recs, key).values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const deepest = group.filter((r) => r.spec.arch.depth === depth);
    const first = deepest[0]!;
    const { panel, tag } = lab.panel(first.spec);
    const init = lab.init(first.spec);
    const measure: LayerRow['measure'] = metric !== 'unitFraction' ? null : SATURATING.has(first.spec.activation.name) ? 'saturated' : 'dead';
    const layerCount = Math.max(...deepest.map((r) => r.probe.layers.length));
    for (let i = 0; i < layerCount; i++) {
      const ls = deepest.map((r) => r.probe.layers[i]).filter((l): l is LayerProbe => l !== undefined);
      const meta = ls[0]!;
      const vals = finite(ls.map((l) => layerValue(l, metric, first.spec))).filter((v) => ok(v));
      const m = median(vals);
      const band = minMax(vals);
      const base = { panel, init, tag, layer: meta.index, name: meta.name, depth, measure };
      if (m !== null && ok(m)) {
        rows.push({ ...base, series: 'measured', value: m, lo: band?.[0] ?? null, hi: band?.[1] ?? null, seeds: vals.length });
      }
      const th = median(finite(ls.map((l) => layerTheory(l, metric))));
      if (ok(th)) {
        // The pre-activation theory carries a finite-width band: the spread one seed may show.
        const tb = metric === 'preVariance' ? (meta.theory.preVarianceBand ?? null) : null;
        const [lo, hi] = tb !== null && ok(tb[0]) && ok(tb[1]) ? tb : [null, null];
        rows.push({ ...base, series: 'theory', value: th, lo, hi, seeds: ls.length });
      }
    }
  }
  return { rows, line: lab.line };
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

/** Labels of the training charts: over the trained runs, depth among the panels where it varies. */
export function trainLabels(records: readonly RunRecord[]): Labels {
  return labelsFor(trained(records).map((r) => r.spec), pageOf(records), [], false);
}

function curveRows(records: readonly RunRecord[], series: (r: TrainedRecord) => Map<number, number>): ChartRows<CurveRow> {
  const recs = trained(records);
  const lab = trainLabels(records);
  const rows: CurveRow[] = [];
  for (const group of groupBy(recs, (r) => `${lab.panel(r.spec).panel}\u0000${lab.init(r.spec)}`).values()) {
    const perSeed = group.map(series);
    const steps = [...new Set(perSeed.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    for (const step of steps) {
      const vals = finite(perSeed.map((m) => m.get(step)));
      const m = median(vals);
      const band = minMax(vals);
      if (m === null || band === null) continue;
      rows.push({ panel: lab.panel(group[0]!.spec).panel, init: lab.init(group[0]!.spec), step, median: m, lo: band[0], hi: band[1], seeds: vals.length });
    }
  }
  return { rows, line: lab.line };
}

/** Training loss per step: bucket means (≤ 120 points per run), median and min–max over seeds. */
export function lossRows(records: readonly RunRecord[]): ChartRows<CurveRow> {
  // Bucket size from the planned steps, so a run cut short (diverged) shares its seeds' step grid.
  const out = curveRows(records, (r) => {
    const planned = r.spec.train?.steps ?? (r.train.losses.at(-1)?.step ?? 0) + 1;
    return bucketLosses(r.train.losses, Math.max(1, Math.ceil(planned / 120)));
  });
  // The loss axis is logarithmic: a float32 loss that underflowed to 0 is drawn at 1e-9.
  const floor = (x: number) => Math.max(x, 1e-9);
  return { ...out, rows: out.rows.map((r) => ({ ...r, median: floor(r.median), lo: floor(r.lo), hi: floor(r.hi) })) };
}

/** Held-out accuracy at each eval, median and min–max over seeds. */
export function accuracyRows(records: readonly RunRecord[]): ChartRows<CurveRow> {
  return curveRows(records, (r) => new Map(r.train.evals.map((e) => [e.step, e.accuracy])));
}

/** Chance accuracy per panel (a rule on the accuracy chart), from that panel's runs. */
export function chanceRows(records: readonly RunRecord[], curves: readonly CurveRow[]): { panel: string; chance: number }[] {
  const lab = trainLabels(records);
  const byPanel = groupBy(trained(records), (r) => lab.panel(r.spec).panel);
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
  activation: string;
  /** where the cell's runs differ from the page's usual run, depth and activation aside ('' where they do not; the training study is "trained") */
  where: string;
}

export function trainabilityRows(records: readonly RunRecord[]): ChartRows<TrainCell> {
  const withTrain = records.filter((r) => r.spec.train !== null);
  const page = pageOf(records);
  const lab = labelsFor(withTrain.map((r) => r.spec), page, ['depth'], false);
  const where = chartScope(records.map((r) => r.spec), page, ['depth']).rest;
  const label = lab.init;
  const panel = (s: RunSpec) => lab.panel(s).panel;
  const cells: TrainCell[] = [];
  for (const group of groupBy(withTrain, (r) => `${panel(r.spec)}\u0000${label(r.spec)}\u0000${r.spec.arch.depth}`).values()) {
    const first = group[0]!;
    const count = (s: RunRecord['status']) => group.filter((r) => r.status === s).length;
    const tr = trained(group);
    const chance = median(tr.map((r) => r.train.chance)) ?? 1 / Math.max(2, first.spec.arch.kind === 'model' ? (first.spec.arch.outputShape.at(-1) ?? 2) : first.spec.arch.classes);
    // A diverged net predicts nothing useful: score it at chance so the median reflects it.
    const accs = tr.map((r) => (r.status === 'diverged' ? chance : (r.train.finalAccuracy ?? NaN)));
    const acc = median(accs);
    const n = group.length;
    const c = { ok: count('ok'), stalled: count('stalled'), diverged: count('diverged'), failed: count('failed') };
    const marks = (['stalled', 'diverged', 'failed'] as const).filter((s) => c[s] > 0).map((s) => `${s} ${c[s]}/${n}`);
    const text = acc === null ? marks.join('\n') : [acc.toFixed(2), marks.join(' · ')].filter((t) => t !== '').join('\n');
    cells.push({ panel: panel(first.spec), init: label(first.spec), depth: first.spec.arch.depth, accuracy: acc, runs: n, ...c, chance, label: text, key: settingKey(first.spec),
      activation: activationLabel(first.spec), where: where(first.spec) });
  }
  return { rows: cells, line: lab.line };
}

// ---------------------------------------------------------------- summaries for the headline

export interface ProbeSummaryRow {
  /** where the setting differs from the page's usual run ('' where it does not; the training study is "trained") */
  panel: string;
  init: string;
  activation: string;
  depth: number;
  /** null for a model file's runs (no one width) */
  width: number | null;
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
  // a model file's padding is per layer, and the theory's tap fractions are for built-in nets
  if (spec.arch.kind === 'model') return null;
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
  // named as on the page: where a setting differs from the usual run, the training study as "trained"
  const panel = chartScope(records.map((r) => r.spec), pageOf(records), ['depth']).rest;
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
      width: first.spec.arch.kind === 'model' ? null : first.spec.arch.width,
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
