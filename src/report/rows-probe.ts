/**
 * Rows of the probe charts beyond the per-layer lines: the seed's law (variance ratio against depth,
 * per-layer ratio against width), the per-layer histograms and the signal-propagation statistics.
 */
import type { Histogram, LayerProbe, RunRecord, RunSpec } from '../core/types.ts';
import { labelsFor, pageOf, probed, type ChartRows, type Labels } from './rows.ts';
import { finite, groupBy, median, minMax } from './util.ts';

type ProbedRecord = ReturnType<typeof probed>[number];

/** The spec without the given settings (and the per-run fields): runs that differ only in those share it. */
function keyWithout(spec: RunSpec, drop: readonly ('init' | 'activation' | 'depth' | 'width')[]): string {
  const { id: _i, seed: _s, repeat: _r, ...rest } = spec;
  const o: Record<string, unknown> = { ...rest, arch: { ...rest.arch } };
  for (const d of drop) {
    if (d === 'depth' || d === 'width') delete (o.arch as Record<string, unknown>)[d];
    else delete o[d];
  }
  return JSON.stringify(o);
}

/** The probed runs of setting groups (all but `axis`, init and activation) that cover ≥ 2 values of `axis`. */
function sweeps(records: readonly RunRecord[], axis: 'depth' | 'width'): ProbedRecord[] {
  const out: ProbedRecord[] = [];
  for (const group of groupBy(probed(records), (r) => keyWithout(r.spec, ['init', 'activation', axis])).values()) {
    // a model file has no width to sweep (its depth is its own): model runs never form a width sweep
    const value = (a: RunSpec['arch']) => (axis === 'depth' ? a.depth : a.kind === 'model' ? null : a.width);
    if (new Set(group.map((r) => value(r.spec.arch))).size >= 2) out.push(...group);
  }
  return out;
}

// ---------------------------------------------------------------- the seed's law: depth

export interface LawRow {
  panel: string;
  init: string;
  /** the activation on the gain-table panel's lines, else '' */
  tag: string;
  /** depth (the depth chart) or width (the width chart) */
  x: number;
  series: 'measured' | 'theory' | 'seed';
  value: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
}

export interface LawFit {
  panel: string;
  init: string;
  tag: string;
  /** exp of the least-squares slope of ln ratio against depth: the measured factor per layer */
  factor: number;
  /** the same fitted to theory's ratios */
  theoryFactor: number | null;
  /** the depths fitted */
  from: number;
  to: number;
}

export interface RefRow {
  panel: string;
  x: number;
  ref: 'half' | 'one';
  value: number;
}

/** exp(slope) of the least-squares line through (x, ln y); null with fewer than 2 distinct x. */
export function fittedFactor(points: readonly { x: number; y: number }[]): number | null {
  const p = points.filter((q) => q.y > 0 && Number.isFinite(q.y));
  if (new Set(p.map((q) => q.x)).size < 2) return null;
  const mx = p.reduce((a, q) => a + q.x, 0) / p.length;
  const my = p.reduce((a, q) => a + Math.log(q.y), 0) / p.length;
  let sxy = 0;
  let sxx = 0;
  for (const q of p) {
    sxy += (q.x - mx) * (Math.log(q.y) - my);
    sxx += (q.x - mx) ** 2;
  }
  return Math.exp(sxy / sxx);
}

function lawRows(recs: readonly ProbedRecord[], lab: Labels, x: (s: RunSpec) => number, measured: (r: ProbedRecord) => number | null, theory: (r: ProbedRecord) => number | null, seedDots: boolean): LawRow[] {
  const rows: LawRow[] = [];
  const ok = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;
  for (const group of groupBy(recs, (r) => `${lab.panel(r.spec).panel}\u0000${lab.panel(r.spec).tag}\u0000${lab.init(r.spec)}\u0000${x(r.spec)}`).values()) {
    const first = group[0]!;
    const base = { ...lab.panel(first.spec), init: lab.init(first.spec), x: x(first.spec) };
    const vals = group.map(measured).filter(ok);
    const m = median(vals);
    const band = minMax(vals);
    if (m !== null) rows.push({ ...base, series: 'measured', value: m, lo: band?.[0] ?? null, hi: band?.[1] ?? null, seeds: vals.length });
    if (seedDots) for (const v of vals) rows.push({ ...base, series: 'seed', value: v, lo: null, hi: null, seeds: 1 });
    const th = median(group.map(theory).filter(ok));
    if (th !== null) rows.push({ ...base, series: 'theory', value: th, lo: null, hi: null, seeds: group.length });
  }
  return rows;
}

/**
 * Var(z_L)/Var(z_1) of every run of a depth sweep (the last conv layer's pre-activation variance over
 * the first's), median and min–max over seeds per depth, theory beside it; the seed's (½)^L (counted
 * from layer 1: (½)^(L−1)) and 1 as references; the fitted factor per layer of each line.
 */
export function depthLawRows(records: readonly RunRecord[]): ChartRows<LawRow> & { refs: RefRow[]; fits: LawFit[] } {
  const recs = sweeps(records, 'depth');
  const lab = labelsFor(recs.map((r) => r.spec), pageOf(records), ['depth'], true);
  // a net of one conv layer has no ratio in its summary, but Var(z_1)/Var(z_1) is 1: the law's starting point
  const single = (r: ProbedRecord, v: number | null) => (r.probe.layers.filter((l) => l.kind === 'conv').length === 1 && (v ?? 0) > 0 ? 1 : null);
  const conv1 = (r: ProbedRecord) => r.probe.layers.find((l) => l.kind === 'conv');
  const rows = lawRows(
    recs, lab, (s) => s.arch.depth,
    (r) => r.probe.summary.lastOverFirst ?? single(r, conv1(r)?.pre.variance ?? null),
    (r) => r.probe.summary.theoryLastOverFirst ?? single(r, conv1(r)?.theory.preVariance ?? null),
    false,
  );
  const refs: RefRow[] = [];
  for (const [panel, rs] of groupBy(rows, (r) => r.panel)) {
    const xs = rs.map((r) => r.x);
    // a panel of one depth (a gain table at depth 30) has no law to compare with
    if (new Set(xs).size < 2) continue;
    for (let x = Math.min(...xs); x <= Math.max(...xs); x++) {
      refs.push({ panel, x, ref: 'half', value: 0.5 ** (x - 1) }, { panel, x, ref: 'one', value: 1 });
    }
  }
  const fits: LawFit[] = [];
  for (const line of groupBy(rows, (r) => `${r.panel}\u0000${r.tag}\u0000${r.init}`).values()) {
    const m = line.filter((r) => r.series === 'measured');
    const factor = fittedFactor(m.map((r) => ({ x: r.x, y: r.value })));
    if (factor === null) continue;
    const th = fittedFactor(line.filter((r) => r.series === 'theory').map((r) => ({ x: r.x, y: r.value })));
    fits.push({ panel: m[0]!.panel, init: m[0]!.init, tag: m[0]!.tag, factor, theoryFactor: th, from: Math.min(...m.map((r) => r.x)), to: Math.max(...m.map((r) => r.x)) });
  }
  return { rows, line: lab.line, refs, fits };
}

/** The per-layer ratio of every run of a width sweep: a dot per seed, the median and theory per width. */
export function widthLawRows(records: readonly RunRecord[]): ChartRows<LawRow> {
  const recs = sweeps(records, 'width');
  const lab = labelsFor(recs.map((r) => r.spec), pageOf(records), ['width'], true);
  return { rows: lawRows(recs, lab, (s) => (s.arch.kind === 'model' ? NaN : s.arch.width), (r) => r.probe.summary.perLayerRatio, (r) => r.probe.summary.theoryPerLayerRatio, true), line: lab.line };
}

// ---------------------------------------------------------------- histograms

export type Tensor = 'pre' | 'post' | 'gradPre';
export const TENSORS: readonly Tensor[] = ['pre', 'post', 'gradPre'];

/**
 * Cells of the common value grid a run's layers are re-binned onto, per run and tensor: odd, so on a
 * grid symmetric about 0 the value 0 is a cell's centre and a collapsed layer is one cell, not two.
 */
export const GRID_CELLS = 41;

/**
 * One layer's histogram of one tensor, re-binned onto its run's common grid (GRID_CELLS cells from
 * `lo` in steps of `w`, in units of the widest layer's std, so a layer whose spread collapses shows as
 * a narrow spike): `f[k]` is the share of the layer's entries in cell k, exact zeros included.
 */
export interface HistRow {
  /** the run: initializer, and where it differs from the chart's usual run */
  panel: string;
  init: string;
  tensor: Tensor;
  layer: number;
  lo: number;
  w: number;
  f: number[];
  /** cell indices 0..GRID_CELLS−1 (zipped with f when the chart flattens the row) */
  k: number[];
  /** share of entries exactly 0 (ReLU's point mass), already in f's cell at 0 */
  zeros: number;
  /** the layer's own std in units of the widest layer's: how far it has collapsed */
  spread: number;
  /** one of the ≤ 5 layers the overlaid-curves chart draws */
  curve: boolean;
}

/** Evenly spaced picks of at most n items, always the first and the last. */
function spaced<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (xs.length - 1)) / (n - 1))))].map((i) => xs[i]!);
}

/** Value intervals [a, b) and their counts: the bins, under (one bin width below lo) and over (above hi). */
function intervals(h: Histogram): { a: number; b: number; n: number }[] {
  const w = (h.hi - h.lo) / h.counts.length;
  const at = (u: number) => h.center + h.scale * u;
  const out = h.counts.map((n, k) => ({ a: at(h.lo + k * w), b: at(h.lo + (k + 1) * w), n }));
  out.push({ a: at(h.lo - w), b: at(h.lo), n: h.under }, { a: at(h.hi), b: at(h.hi + w), n: h.over });
  return out.filter((i) => i.n > 0);
}

/** A run's histograms of one tensor on one grid: each bin's count spread over the cells it overlaps. */
function regrid(hs: readonly { layer: number; h: Histogram }[]): { lo: number; w: number; spread: (h: Histogram) => number; cells: (h: Histogram) => number[] } | null {
  const S = Math.max(...hs.map(({ h }) => h.scale));
  if (!(S > 0) || !Number.isFinite(S)) return null;
  let a = Infinity;
  let b = -Infinity;
  for (const { h } of hs) {
    for (const i of intervals(h)) {
      a = Math.min(a, i.a / S);
      b = Math.max(b, i.b / S);
    }
    if (h.zeros > 0) {
      a = Math.min(a, 0);
      b = Math.max(b, 0);
    }
  }
  if (!(b > a)) return null;
  const w = (b - a) / GRID_CELLS;
  const cells = (h: Histogram) => {
    const c = new Array<number>(GRID_CELLS).fill(0);
    for (const i of intervals(h)) {
      const x0 = (i.a / S - a) / w;
      const x1 = (i.b / S - a) / w;
      const width = x1 - x0;
      const cell = (x: number) => Math.min(GRID_CELLS - 1, Math.max(0, Math.floor(x)));
      // a bin narrower than a cell (a collapsed layer) lands whole in the cell that holds it
      if (!(width > 1e-9)) c[cell(x0)]! += i.n;
      else for (let k = cell(x0); k <= cell(x1 - 1e-9); k++) c[k]! += (i.n * (Math.min(k + 1, x1) - Math.max(k, x0))) / width;
    }
    if (h.zeros > 0) c[Math.min(GRID_CELLS - 1, Math.max(0, Math.floor(-a / w)))]! += h.zeros;
    return c.map((n) => n / h.total);
  };
  return { lo: a, w, spread: (h) => h.scale / S, cells };
}

/**
 * For each setting at its deepest net (its first run by seed): every layer's histograms of the
 * pre-activation, the post-activation and the gradient, on one value grid per run and tensor.
 */
export function histogramRows(records: readonly RunRecord[]): ChartRows<HistRow> & { runs: string[] } {
  const recs = probed(records).filter((r) => r.probe.layers.some((l) => (l.histograms ?? null) !== null));
  const lab = labelsFor(recs.map((r) => r.spec), pageOf(records), ['depth'], false);
  const runLabel = (s: RunSpec) => {
    const p = lab.panel(s).panel;
    return p === 'all runs' ? lab.init(s) : `${lab.init(s)} · ${p}`;
  };
  const rows: HistRow[] = [];
  const runs: string[] = [];
  for (const group of groupBy(recs, (r) => runLabel(r.spec)).values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const run = group.filter((r) => r.spec.arch.depth === depth).sort((a, b) => a.spec.seed - b.spec.seed)[0]!;
    const panel = runLabel(run.spec);
    runs.push(panel);
    for (const tensor of TENSORS) {
      const hs = run.probe.layers
        .map((l) => ({ layer: l.index, h: (l.histograms ?? null)?.[tensor] ?? null }))
        .filter((x): x is { layer: number; h: Histogram } => x.h !== null && x.h.total > 0);
      const grid = hs.length === 0 ? null : regrid(hs);
      if (grid === null) continue;
      const curves = new Set(spaced(hs.map((x) => x.layer), 5));
      for (const { layer, h } of hs) {
        rows.push({
          panel, init: lab.init(run.spec), tensor, layer, lo: grid.lo, w: grid.w, f: grid.cells(h), k: Array.from({ length: GRID_CELLS }, (_, i) => i),
          zeros: h.zeros / h.total, spread: grid.spread(h), curve: curves.has(layer),
        });
      }
    }
  }
  return { rows, line: lab.line, runs };
}

// ---------------------------------------------------------------- signal propagation

export type SignalStat = 'sqMean' | 'variance' | 'branch';
export const SIGNAL_STAT_TITLES: Record<SignalStat, string> = {
  sqMean: 'average channel squared mean',
  variance: 'average channel variance',
  branch: 'residual-branch variance',
};

export interface SignalRow {
  /** the setting, as a per-layer chart's panel */
  panel: string;
  stat: SignalStat;
  init: string;
  tag: string;
  layer: number;
  value: number;
  lo: number;
  hi: number;
  seeds: number;
}

function signalValue(l: LayerProbe, stat: SignalStat): number | null {
  const s = l.signal;
  if (s === undefined) return null;
  if (stat === 'branch') return s.branch?.variance ?? null;
  return s.post[stat];
}

/**
 * Brock et al. 2021's signal-propagation plot for every setting at its deepest net (median over
 * seeds): the post-activation's average channel squared mean and average channel variance per conv
 * layer (in residual nets at the block outputs, layers 1, 3, 5, …), and in residual nets the residual
 * branch's variance before the add.
 */
export function signalRows(records: readonly RunRecord[]): ChartRows<SignalRow> & { stats: SignalStat[] } {
  const recs = probed(records).filter((r) => r.probe.layers.some((l) => l.signal !== undefined));
  const lab = labelsFor(recs.map((r) => r.spec), pageOf(records), ['depth'], true);
  const rows: SignalRow[] = [];
  for (const group of groupBy(recs, (r) => `${lab.panel(r.spec).panel}\u0000${lab.panel(r.spec).tag}\u0000${lab.init(r.spec)}`).values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const deepest = group.filter((r) => r.spec.arch.depth === depth);
    const first = deepest[0]!;
    const { panel: setting, tag } = lab.panel(first.spec);
    const residual = first.spec.arch.kind.startsWith('residual');
    const conv = first.probe.layers.filter((l) => l.kind === 'conv');
    for (const stat of ['sqMean', 'variance', 'branch'] as const) {
      for (const meta of conv) {
        if (residual && stat !== 'branch' && meta.index % 2 === 0) continue;
        const vals = finite(deepest.map((r) => {
          const l = r.probe.layers.find((x) => x.index === meta.index);
          return l === undefined ? null : signalValue(l, stat);
        })).filter((v) => v > 0);
        const m = median(vals);
        const band = minMax(vals);
        if (m === null || band === null) continue;
        rows.push({ panel: setting, stat, init: lab.init(first.spec), tag, layer: meta.index, value: m, lo: band[0], hi: band[1], seeds: vals.length });
      }
    }
  }
  const stats = (['sqMean', 'variance', 'branch'] as const).filter((s) => rows.some((r) => r.stat === s));
  return { rows, line: lab.line, stats };
}

