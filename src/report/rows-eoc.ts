/**
 * Rows of the signal-propagation charts beyond variance (issue 15): the correlation map per layer, its
 * depth scale ξ_c, the input–output Jacobian's spectrum, the (σ_w², depth) phase diagram with its fitted
 * trainable depth, and the theory card. Each comes from the records alone; theory curves that need σ_w²
 * between the runs' settings are computed here from theory/.
 */
import type { ActivationSpec, RunRecord, RunSpec } from '../core/types.ts';
import { correlationFixedPoint, meanField, phaseBoundary, SCHOENHOLZ_TRAINABLE_MULTIPLE, trainableDepth } from '../theory/index.ts';
import { probed, trained, type ChartRows } from './rows.ts';
import { fmt, groupBy, median } from './util.ts';

type ProbedRecord = ReturnType<typeof probed>[number];

/**
 * correlationFixedPoint memoized per (activation, σ_w², σ_b²): the ξ_c curve, the phase diagram and its cells
 * share points. One c* solve takes 1–10 ms for smooth φ (tanh), ≤ 0.2 ms for relu.
 */
const fixedPoints = new Map<string, ReturnType<typeof correlationFixedPoint>>();
function fixedPoint(act: ActivationSpec, sigmaW2: number, sigmaB2: number): ReturnType<typeof correlationFixedPoint> {
  const key = `${act.name}\u0000${act.alpha ?? ''}\u0000${sigmaW2}\u0000${sigmaB2}`;
  let fp = fixedPoints.get(key);
  if (fp === undefined) {
    fp = correlationFixedPoint(act, sigmaW2, sigmaB2);
    fixedPoints.set(key, fp);
  }
  return fp;
}

/** σ_w² and σ_b² grouped at 6 significant digits: a gain written as √1.5 to 8 digits squares to 1.5. */
const round6 = (x: number): number => Number(x.toPrecision(6));

/** A run's σ_w² = fan_in·Var(W) of its hidden conv layers, as its probe's theory recorded it (median over layers); null without one. */
export function sigmaW2Of(r: RunRecord): number | null {
  const vs = (r.probe?.layers ?? []).flatMap((l) => (l.kind === 'conv' && l.theory.meanField != null ? [l.theory.meanField.sigmaW2] : []));
  const m = median(vs);
  return m === null ? null : round6(m);
}

/** The theory's σ_b² = Var(b) of the conv biases: 0 without (or with zero) biases, std² for normal ones, null for a constant shift (no theory). */
export function sigmaB2Of(spec: RunSpec): number | null {
  if (spec.arch.kind === 'model' || !spec.arch.bias || spec.bias === undefined || spec.bias.init === 'zeros') return 0;
  return spec.bias.init === 'normal' ? round6(spec.bias.std ** 2) : null;
}

const actText = (a: ActivationSpec): string => (a.alpha !== undefined ? `${a.name}(${a.alpha})` : a.name);

/**
 * A run's series label: its initializer's name, and its σ_w² where runs of that initializer differ in it
 * (the gain is how a suite sets σ_w²; the charts speak of σ_w²).
 */
function seriesLabeler(records: readonly RunRecord[]): (r: RunRecord) => string {
  const byName = groupBy(records, (r) => r.spec.init.name);
  const varies = new Set([...byName].filter(([, g]) => new Set(g.map(sigmaW2Of)).size > 1).map(([n]) => n));
  return (r) => (varies.has(r.spec.init.name) ? `${r.spec.init.name} σ_w² ${fmt(sigmaW2Of(r), 4)}` : r.spec.init.name);
}

/** Records that differ only by seed share a key. */
const settingKey = (r: RunRecord): string => {
  const { id: _i, seed: _s, repeat: _r, ...rest } = r.spec;
  return JSON.stringify(rest);
};

/** Mean of estimates with independent standard errors: the mean and √(Σ se²)/n (null if any is missing). */
function pooled(xs: readonly { v: number | null; se: number | null }[]): { v: number | null; se: number | null } {
  const ok = xs.filter((x): x is { v: number; se: number | null } => x.v !== null && Number.isFinite(x.v));
  if (ok.length === 0) return { v: null, se: null };
  const v = ok.reduce((s, x) => s + x.v, 0) / ok.length;
  const se = ok.every((x) => x.se !== null) ? Math.sqrt(ok.reduce((s, x) => s + x.se! ** 2, 0)) / ok.length : null;
  return { v, se };
}

// ---------------------------------------------------------------- correlation per layer

export interface CorrelationRow {
  /** series: initializer (and σ_w² where it varies) */
  init: string;
  depth: number;
  layer: number;
  series: 'measured' | 'theory';
  /** mean over seeds of the per-layer correlation c_l (measured), or the mean-field trajectory (theory) */
  value: number;
  /** ± one pooled standard error (measured only) */
  lo: number | null;
  hi: number | null;
  seeds: number;
}

/** Per setting, its deepest net's per-layer correlation between paired inputs, measured (pooled over seeds) and the c-map's trajectory. */
export function correlationRows(records: readonly RunRecord[]): ChartRows<CorrelationRow> {
  const runs = probed(records).filter((r) => r.probe.layers.some((l) => l.correlation != null));
  const label = seriesLabeler(runs);
  const out: CorrelationRow[] = [];
  for (const group of groupBy(runs, label).values()) {
    const depth = Math.max(...group.map((r) => r.spec.arch.depth));
    const deepest = groupBy(group.filter((r) => r.spec.arch.depth === depth), settingKey);
    // one setting per series at its deepest depth: the first (others differ in what the series label does not say)
    const seeds = [...deepest.values()][0]!;
    const layers = seeds[0]!.probe.layers.filter((l) => l.correlation != null).map((l) => l.index);
    for (const index of layers) {
      const at = seeds.map((r) => r.probe.layers.find((l) => l.index === index)?.correlation ?? null);
      const m = pooled(at.map((c) => ({ v: c?.measured ?? null, se: c?.stderr ?? null })));
      const init = label(seeds[0]!);
      if (m.v !== null) {
        out.push({ init, depth, layer: index, series: 'measured', value: m.v, lo: m.se === null ? null : m.v - m.se, hi: m.se === null ? null : m.v + m.se, seeds: seeds.length });
      }
      const t = median(at.flatMap((c) => (c?.theory != null ? [c.theory] : [])));
      if (t !== null) out.push({ init, depth, layer: index, series: 'theory', value: t, lo: null, hi: null, seeds: seeds.length });
    }
  }
  return { rows: out, line: null };
}

// ---------------------------------------------------------------- ξ_c measured vs theory

export interface XiRow {
  /** the activation and σ_b² of the panel: "tanh · σ_b² 0.05" */
  panel: string;
  init: string;
  sigmaW2: number;
  series: 'measured' | 'theory';
  /** layers; measured: pooled over seeds of the deepest runs; theory: −1/ln χ_c, capped for drawing at XI_CAP */
  xi: number;
  lo: number | null;
  hi: number | null;
}

/** ξ_c beyond this is drawn at it (the theory is infinite at χ_c = 1). */
export const XI_CAP = 1000;

/**
 * The σ_w² grid a theory curve is drawn on: CURVE_POINTS + 1 points over [lo, hi], plus the critical point
 * itself (where ξ_c diverges). 96 intervals: the curve is smooth at the chart's width (~1% of the span a
 * step), for ~0.2 s of c* solves a panel (tanh).
 */
const CURVE_POINTS = 96;
function sigmaGrid(lo: number, hi: number, crit: number | null): number[] {
  const n = CURVE_POINTS;
  const xs = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  if (crit !== null && crit > lo && crit < hi) xs.push(crit);
  return xs.sort((a, b) => a - b);
}

/** The (activation, σ_b²) groups of the records that carry a σ_w², each a panel. */
function phaseGroups(records: readonly RunRecord[]): Map<string, { act: ActivationSpec; sigmaB2: number; runs: RunRecord[] }> {
  const out = new Map<string, { act: ActivationSpec; sigmaB2: number; runs: RunRecord[] }>();
  for (const r of records) {
    const sb = sigmaB2Of(r.spec);
    if (sb === null || sigmaW2Of(r) === null) continue;
    const panel = `${actText(r.spec.activation)} · σ_b² ${fmt(sb, 4)}`;
    const g = out.get(panel) ?? { act: r.spec.activation, sigmaB2: sb, runs: [] };
    g.runs.push(r);
    out.set(panel, g);
  }
  return out;
}

export function xiRows(records: readonly RunRecord[]): ChartRows<XiRow> & { crit: { panel: string; sigmaW2: number }[] } {
  const runs = probed(records).filter((r) => r.probe.correlation != null);
  const label = seriesLabeler(runs);
  const out: XiRow[] = [];
  const crit: { panel: string; sigmaW2: number }[] = [];
  for (const [panel, g] of phaseGroups(runs)) {
    for (const group of groupBy(g.runs as ProbedRecord[], label).values()) {
      const depth = Math.max(...group.map((r) => r.spec.arch.depth));
      const deepest = group.filter((r) => r.spec.arch.depth === depth);
      const m = pooled(deepest.map((r) => ({ v: r.probe.correlation?.xiMeasured ?? null, se: r.probe.correlation?.xiStderr ?? null })));
      if (m.v === null) continue;
      out.push({ panel, init: label(deepest[0]!), sigmaW2: sigmaW2Of(deepest[0]!)!, series: 'measured', xi: m.v, lo: m.se === null ? null : Math.max(m.v - m.se, 1e-3), hi: m.se === null ? null : m.v + m.se });
    }
    const c = phaseBoundary(g.act, g.sigmaB2);
    if (c !== null) crit.push({ panel, sigmaW2: c });
    const [lo, hi] = extent(g.runs.map((r) => sigmaW2Of(r)!));
    for (const sw of sigmaGrid(lo, hi, c)) {
      const xi = fixedPoint(g.act, sw, g.sigmaB2).xiC;
      out.push({ panel, init: 'theory', sigmaW2: sw, series: 'theory', xi: Math.min(xi, XI_CAP), lo: null, hi: null });
    }
  }
  return { rows: out.some((r) => r.series === 'measured') ? out : [], line: null, crit };
}

// ---------------------------------------------------------------- Jacobian spectrum

export interface JacobianMomentRow {
  init: string;
  depth: number;
  /** the moment of the eigenvalues s² of JJᵀ */
  stat: 'mean of s²' | 'variance of s²';
  series: 'measured' | 'theory';
  value: number;
  lo: number | null;
  hi: number | null;
  seeds: number;
  method: string;
}

export interface JacobianHistRow {
  init: string;
  depth: number;
  /** bin edges in s² (log-spaced) and the share of the singular values whose square falls in it */
  s2lo: number;
  s2hi: number;
  share: number;
}

/** Per series and depth, the moments of s² pooled over seeds, with theory's; and a histogram of s² where the probe kept the singular values. */
export function jacobianRows(records: readonly RunRecord[]): { moments: JacobianMomentRow[]; hist: JacobianHistRow[]; line: string | null } {
  const runs = probed(records).filter((r) => r.probe.jacobian != null);
  const label = seriesLabeler(runs);
  const moments: JacobianMomentRow[] = [];
  const bySeries = groupBy(runs, (r) => `${label(r)}\u0000${r.spec.arch.depth}`);
  const s2all = runs.flatMap((r) => (r.probe.jacobian?.singularValues ?? []).map((s) => s * s)).filter((x) => x > 0 && Number.isFinite(x));
  const hist: JacobianHistRow[] = [];
  const BINS = 30;
  const lmin = s2all.length > 0 ? Math.log10(Math.min(...s2all)) : 0;
  const lmax = s2all.length > 0 ? Math.log10(Math.max(...s2all)) : 0;
  const width = Math.max(lmax - lmin, 1e-6) / BINS;
  for (const group of bySeries.values()) {
    const first = group[0]!;
    const init = label(first);
    const depth = first.spec.arch.depth;
    const js = group.map((r) => r.probe.jacobian!);
    const stats = [
      ['mean of s²', js.map((j) => ({ v: j.meanS2, se: j.meanS2Stderr })), js.map((j) => j.theory?.meanS2 ?? null)],
      ['variance of s²', js.map((j) => ({ v: j.varS2, se: j.varS2Stderr })), js.map((j) => j.theory?.varS2 ?? null)],
    ] as const;
    for (const [stat, measured, theory] of stats) {
      const m = pooled(measured);
      if (m.v !== null) moments.push({ init, depth, stat, series: 'measured', value: m.v, lo: m.se === null ? null : m.v - m.se, hi: m.se === null ? null : m.v + m.se, seeds: group.length, method: js[0]!.method });
      const t = median(theory.filter((x): x is number => x !== null));
      if (t !== null) moments.push({ init, depth, stat, series: 'theory', value: t, lo: null, hi: null, seeds: group.length, method: js[0]!.method });
    }
    const s2 = js.flatMap((j) => (j.singularValues ?? []).map((s) => s * s)).filter((x) => x > 0 && Number.isFinite(x));
    if (s2.length > 0) {
      const counts = new Array<number>(BINS).fill(0);
      for (const x of s2) counts[Math.min(BINS - 1, Math.floor((Math.log10(x) - lmin) / width))]! += 1;
      counts.forEach((c, i) => hist.push({ init, depth, s2lo: 10 ** (lmin + i * width), s2hi: 10 ** (lmin + (i + 1) * width), share: c / s2.length }));
    }
  }
  return { moments, hist, line: null };
}

// ---------------------------------------------------------------- the phase diagram

export interface PhaseCell {
  panel: string;
  sigmaW2: number;
  depth: number;
  /** median final held-out accuracy over seeds (a diverged run counts as chance) */
  accuracy: number | null;
  /** runs that learned (status ok) of those that trained */
  learned: number;
  runs: number;
  /** a majority of its runs learned */
  trains: boolean;
  /** the cell's extent: halfway to the neighbouring σ_w² (linear) and depths (geometric) */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xi: number;
}

export interface PhaseCurvePoint {
  panel: string;
  sigmaW2: number;
  /** fitted multiple × ξ_c(σ_w²), capped at the chart's top */
  depth: number;
  series: 'fitted' | 'paper';
}

export interface PhaseFit {
  panel: string;
  /** the multiple m of ξ_c that classifies the most cells right (depth ≤ m·ξ_c ⇔ trains); the geometric middle of the best interval, null when unbounded */
  multiple: number | null;
  /** the interval of multiples that do equally well */
  range: [number, number];
  /** cells it gets wrong, of all cells */
  errors: number;
  cells: number;
  /** the paper's multiple (Schoenholz et al. 2017: trainable up to ≈ 6 ξ_c) */
  paper: number;
  text: string;
}

/** The σ_w² range the cells of these settings cover (edges, linear): the x extent of the ξ_c curve and of the phase diagram. */
function extent(ws: readonly number[]): [number, number] {
  const e = [...edges(ws, false).values()];
  return [Math.max(1e-3, Math.min(...e.map((x) => x[0]))), Math.max(...e.map((x) => x[1]))];
}

/** Edges halfway between sorted distinct values (linear or geometric), the ends a half step out. */
function edges(values: readonly number[], log: boolean): Map<number, [number, number]> {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const f = log ? Math.log : (x: number) => x;
  const g = log ? Math.exp : (x: number) => x;
  const out = new Map<number, [number, number]>();
  v.forEach((x, i) => {
    const left = i > 0 ? (f(v[i - 1]!) + f(x)) / 2 : f(x) - (v.length > 1 ? (f(v[1]!) - f(v[0]!)) / 2 : log ? 0.3 : Math.max(0.1, x * 0.1));
    const right = i < v.length - 1 ? (f(x) + f(v[i + 1]!)) / 2 : f(x) + (v.length > 1 ? (f(x) - f(v[i - 1]!)) / 2 : log ? 0.3 : Math.max(0.1, x * 0.1));
    out.set(x, [g(left), g(right)]);
  });
  return out;
}

/**
 * The multiple m for which "depth ≤ m·ξ_c(σ_w²)" best predicts which cells train: the count of wrong cells
 * is a step function of m that changes only at m = depth/ξ_c of some cell, so every interval between those
 * is tried; the best interval's geometric middle is reported (null when it is unbounded above: every cell
 * trained, which bounds m only from below).
 */
export function fitTrainableMultiple(cells: readonly Pick<PhaseCell, 'depth' | 'xi' | 'trains'>[]): { multiple: number | null; range: [number, number]; errors: number } {
  const ratios = [...new Set(cells.filter((c) => Number.isFinite(c.xi) && c.xi > 0).map((c) => c.depth / c.xi))].sort((a, b) => a - b);
  const wrong = (m: number) => cells.filter((c) => (c.depth <= trainableDepth(c.xi, m)) !== c.trains).length;
  const bounds = [0, ...ratios, Infinity];
  let best = { errors: Infinity, range: [0, Infinity] as [number, number] };
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [a, b] = [bounds[i]!, bounds[i + 1]!];
    // a multiple inside (a, b): the cells with depth/ξ ≤ a are predicted trainable, those ≥ b not
    const probe = b === Infinity ? a * 2 + 1 : a === 0 ? b / 2 : Math.sqrt(a * b);
    const e = wrong(probe);
    if (e < best.errors) best = { errors: e, range: [a, b] };
  }
  const [a, b] = best.range;
  const multiple = b === Infinity ? null : a === 0 ? b : Math.sqrt(a * b);
  return { multiple, range: best.range, errors: best.errors };
}

export function phaseRows(records: readonly RunRecord[]): { cells: PhaseCell[]; curve: PhaseCurvePoint[]; fits: PhaseFit[]; line: string | null } {
  const cells: PhaseCell[] = [];
  const curve: PhaseCurvePoint[] = [];
  const fits: PhaseFit[] = [];
  for (const [panel, g] of phaseGroups(trained(records))) {
    const ws = g.runs.map((r) => sigmaW2Of(r)!);
    const ds = g.runs.map((r) => r.spec.arch.depth);
    // a phase diagram needs both axes swept
    if (new Set(ws).size < 2 || new Set(ds).size < 2) continue;
    const xe = edges(ws, false);
    const ye = edges(ds, true);
    const here: PhaseCell[] = [];
    for (const group of groupBy(g.runs as ReturnType<typeof trained>, (r) => `${sigmaW2Of(r)}\u0000${r.spec.arch.depth}`).values()) {
      const sw = sigmaW2Of(group[0]!)!;
      const depth = group[0]!.spec.arch.depth;
      const chance = median(group.map((r) => r.train.chance)) ?? 0;
      const accuracy = median(group.map((r) => (r.status === 'diverged' ? chance : (r.train.finalAccuracy ?? NaN))));
      const learned = group.filter((r) => r.status === 'ok').length;
      const [x0, x1] = xe.get(sw)!;
      const [y0, y1] = ye.get(depth)!;
      here.push({ panel, sigmaW2: sw, depth, accuracy, learned, runs: group.length, trains: learned * 2 > group.length, x0: Math.max(1e-3, x0), x1, y0, y1, xi: fixedPoint(g.act, sw, g.sigmaB2).xiC });
    }
    cells.push(...here);
    const fit = fitTrainableMultiple(here);
    const top = Math.max(...here.map((c) => c.y1));
    const crit = phaseBoundary(g.act, g.sigmaB2);
    const [lo, hi] = extent(ws);
    const grid = sigmaGrid(lo, hi, crit);
    for (const [series, m] of [['fitted', fit.multiple], ['paper', SCHOENHOLZ_TRAINABLE_MULTIPLE]] as const) {
      if (m === null) continue;
      for (const sw of grid) curve.push({ panel, sigmaW2: sw, depth: Math.min(trainableDepth(fixedPoint(g.act, sw, g.sigmaB2).xiC, m), top), series });
    }
    const n = here.length;
    const text = fit.multiple === null
      ? `every cell trained, so the data bound the multiple only from below: m ≥ ${fmt(fit.range[0], 3)} (Schoenholz et al.: ≈ ${SCHOENHOLZ_TRAINABLE_MULTIPLE})`
      : `fitted trainable depth ${fmt(fit.multiple, 3)} ξ_c (any m in [${fmt(fit.range[0], 3)}, ${fmt(fit.range[1], 3)}] does as well), wrong on ${fit.errors} of ${n} cells; Schoenholz et al.: ≈ ${SCHOENHOLZ_TRAINABLE_MULTIPLE} ξ_c`;
    fits.push({ panel, multiple: fit.multiple, range: fit.range, errors: fit.errors, cells: n, paper: SCHOENHOLZ_TRAINABLE_MULTIPLE, text });
  }
  return { cells, curve, fits, line: null };
}

// ---------------------------------------------------------------- the theory card

export interface TheoryCardRow {
  activation: string;
  init: string;
  sigmaW2: number;
  sigmaB2: number;
  qStar: number | null;
  chi1: number | null;
  cStar: number;
  chiC: number | null;
  xiC: number;
  /** the length map's fixed point attracts (true), repels (false), or is marginal / absent (null) */
  stable: boolean | null;
  phase: 'ordered' | 'critical' | 'chaotic' | 'no fixed point';
}

export interface TheoryGridCell {
  activation: string;
  sigmaW2: number;
  sigmaB2: number;
  /** cell extent on the grid */
  w0: number;
  w1: number;
  b0: number;
  b1: number;
  xiC: number;
}

export interface TheoryPoint {
  activation: string;
  sigmaW2: number;
  sigmaB2: number;
  init: string;
}

/** |χ₁ − 1| up to which a setting counts as critical (a gain to 8 digits lands within ~1e-7 of χ₁ = 1) */
const NEAR_CRITICAL = 1e-4;

/**
 * A grid of GRID_W × GRID_B cells per activation for the ξ_c bands (48 × 16: cells of ~2% of the σ_w² span and
 * ~6% of the σ_b² span, so the bands' edges follow the contours), and BOUNDARY_POINTS on the χ₁ = 1 line.
 * Each cell is a c* solve (fixedPoint): ~1–2 s for the 768 cells of tanh on the 2 shared cores.
 */
const GRID_W = 48;
const GRID_B = 16;
const BOUNDARY_POINTS = 17;

/**
 * The theory card: per activation and initializer setting of the runs that measured correlations or
 * Jacobians, the mean-field constants; per activation, ξ_c over a (σ_w², σ_b²) grid around the settings,
 * the χ₁ = 1 line, and the settings themselves.
 */
export function theoryCardRows(records: readonly RunRecord[]): { table: TheoryCardRow[]; grid: TheoryGridCell[]; boundary: { activation: string; sigmaB2: number; sigmaW2: number }[]; points: TheoryPoint[] } {
  const runs = probed(records).filter((r) => r.probe.correlation != null || r.probe.jacobian != null);
  const table: TheoryCardRow[] = [];
  const points: TheoryPoint[] = [];
  const grid: TheoryGridCell[] = [];
  const boundary: { activation: string; sigmaB2: number; sigmaW2: number }[] = [];
  for (const [activation, group] of groupBy(runs, (r) => actText(r.spec.activation))) {
    const act = group[0]!.spec.activation;
    const settings = new Map<string, TheoryPoint>();
    for (const r of group) {
      const sw = sigmaW2Of(r);
      const sb = sigmaB2Of(r.spec);
      if (sw === null || sb === null) continue;
      const init = r.spec.init.name;
      settings.set(`${init}\u0000${sw}\u0000${sb}`, { activation, sigmaW2: sw, sigmaB2: sb, init });
    }
    if (settings.size === 0) continue;
    for (const p of [...settings.values()].sort((a, b) => a.sigmaB2 - b.sigmaB2 || a.sigmaW2 - b.sigmaW2 || a.init.localeCompare(b.init))) {
      const mf = meanField(act, p.sigmaW2, p.sigmaB2);
      const fp = fixedPoint(act, p.sigmaW2, p.sigmaB2);
      // a suite sets σ_w² through a gain written to finitely many digits: within NEAR_CRITICAL of χ₁ = 1 is critical
      const phase = mf.chi1 === null ? 'no fixed point' : Math.abs(mf.chi1 - 1) <= NEAR_CRITICAL ? 'critical' : mf.chi1 < 1 ? 'ordered' : 'chaotic';
      table.push({ activation, init: p.init, sigmaW2: p.sigmaW2, sigmaB2: p.sigmaB2, qStar: mf.qStar, chi1: mf.chi1, cStar: fp.cStar, chiC: fp.chiC, xiC: fp.xiC, stable: mf.stable, phase });
      points.push(p);
    }
    const ws = points.filter((p) => p.activation === activation).map((p) => p.sigmaW2);
    const bs = points.filter((p) => p.activation === activation).map((p) => p.sigmaB2);
    const wMax = Math.max(4, ...ws.map((w) => w * 1.25));
    const bMax = Math.max(0.1, ...bs.map((b) => b * 2));
    const wStep = wMax / GRID_W;
    const bStep = bMax / GRID_B;
    const wAxis = Array.from({ length: GRID_W }, (_, i) => (i + 0.5) * wStep);
    const bAxis = Array.from({ length: GRID_B }, (_, j) => (j + 0.5) * bStep);
    bAxis.forEach((sb, j) => wAxis.forEach((sw, i) => {
      grid.push({ activation, sigmaW2: sw, sigmaB2: sb, w0: i * wStep, w1: (i + 1) * wStep, b0: j * bStep, b1: (j + 1) * bStep, xiC: fixedPoint(act, sw, sb).xiC });
    }));
    for (let j = 0; j < BOUNDARY_POINTS; j++) {
      const sb = (j / (BOUNDARY_POINTS - 1)) * bMax;
      const sw = phaseBoundary(act, sb);
      if (sw !== null && sw <= wMax) boundary.push({ activation, sigmaB2: sb, sigmaW2: sw });
    }
  }
  return { table, grid, boundary, points };
}
