/**
 * The headline: the study's result in words and numbers computed from the records, the seed's claims
 * checked against them, and a short terminal table.
 */
import type { RunRecord } from '../core/types.ts';
import { initializerFamily, type Family } from '../init/index.ts';
import type { LawFit } from './rows-probe.ts';
import { probeSummaryRows, trainabilityRows, type ProbeSummaryRow, type TrainCell } from './rows.ts';
import { fmt, fmtRatio as fr, groupBy, wilsonInterval } from './util.ts';

/** One row of the terminal summary. */
export interface HeadlineRow {
  /** e.g. "he-normal + relu" or "he-normal · depth 30 (training)" */
  setting: string;
  depth: number;
  perLayerRatio: number | null;
  theoryPerLayerRatio: number | null;
  lastOverFirst: number | null;
  finalAccuracy: number | null;
  /** e.g. "learns 9/12 [0.47, 0.91], stalled 3/12" (trained settings) or "3 seeds" */
  outcome: string;
  /** trained settings: runs that learned (status ok) of those that trained, with a 95% Wilson interval on the rate; else null */
  learns: Learns | null;
}

/** "learns k/n": k runs of n ended `ok` (best held-out accuracy beyond chance + 3 sds, no divergence); failed runs are not counted. */
export interface Learns {
  k: number;
  n: number;
  /** 95% Wilson score interval on the probability that a run of this setting learns */
  low: number;
  high: number;
}

export interface Claim {
  claim: string;
  measured: string;
  verdict: 'holds' | 'does not hold';
}

export interface Headline {
  sentences: string[];
  claims: Claim[];
  rows: HeadlineRow[];
}

function probeSentence(r: ProbeSummaryRow): string {
  const where = r.panel === '' ? '' : ` (${r.panel})`;
  if (r.perLayerRatio === null) {
    // a single conv layer has no per-layer ratio; say what was measured instead
    return `${r.init} + ${r.activation}${where}: depth ${r.depth}, pre-activation variance ${fmt(r.lastVariance)} at its last conv layer.`;
  }
  const pad = r.paddingFactor !== null && Math.abs(r.paddingFactor - 1) > 0.005 ? r.paddingFactor : null;
  let theory = '';
  if (r.theoryPerLayerRatio !== null) {
    theory = pad !== null
      // The theory's padding model also tracks spatial correlation, so theory / tap fraction is not its
      // mean-field part: give the tap fraction beside it rather than as a factor of it.
      ? ` (theory ${fr(r.theoryPerLayerRatio)} with zero padding, which alone keeps × ${fr(pad)} of the taps)`
      : ` (theory ${fr(r.theoryPerLayerRatio)})`;
  }
  const after = r.lastOverFirst === null ? '' : `; after ${r.depth} layers ${fmt(r.lastOverFirst)} of layer 1's variance`;
  return `${r.init} + ${r.activation}${where}: variance × ${fr(r.perLayerRatio)} per layer${theory}${after}.`;
}

/** A row's init label is its initializer's canonical name, then options in parentheses (see initLabeler). */
const family = (r: ProbeSummaryRow): Family | null => initializerFamily(r.init.split(' ')[0]!);
const isXavierish = (r: ProbeSummaryRow): boolean => {
  const f = family(r);
  return f === 'xavier' || f === 'lecun';
};
const isHe = (r: ProbeSummaryRow): boolean => family(r) === 'he';

function setting(r: ProbeSummaryRow): string {
  return `${r.init} + ${r.activation} (${r.panel === '' ? `depth ${r.depth}` : `depth ${r.depth}, ${r.panel}`})`;
}

function claims(rows: readonly ProbeSummaryRow[]): Claim[] {
  const out: Claim[] = [];
  // the claims are about the seed's nets of one width: a model file's runs (width null) are not judged by them
  const relu = rows.filter((r) => r.activation === 'relu' && r.perLayerRatio !== null && r.width !== null);
  // Unit-gain inits with fan_in = fan_out: whatever they lose per layer is ReLU's doing (and padding's).
  const xav = relu.filter((r) => isXavierish(r) && !r.init.startsWith('tfjs:'));
  const he = relu.filter((r) => isHe(r) && !r.init.startsWith('tfjs:'));
  const pad = (r: ProbeSummaryRow) => r.paddingFactor ?? 1;
  // The claims are about deep nets: judge each on its deepest, then widest, setting.
  // Prefer a setting where He and Xavier both ran (the comparison the claims are about).
  const panelsWithBoth = new Set(relu.filter(isXavierish).map((r) => r.panel).filter((p) => relu.some((r) => r.panel === p && isHe(r))));
  const best = (a: ProbeSummaryRow, b: ProbeSummaryRow) =>
    Number(panelsWithBoth.has(b.panel)) - Number(panelsWithBoth.has(a.panel)) || b.depth - a.depth || (b.width ?? 0) - (a.width ?? 0);
  // Xavier itself first; LeCun (the same 1/fan_in here) stands in when Xavier did not run.
  const isXavier = (r: ProbeSummaryRow) => Number(family(r) === 'xavier');
  xav.sort((a, b) => best(a, b) || isXavier(b) - isXavier(a));
  he.sort(best);
  if (xav.length > 0) {
    const r = xav[0]!;
    const halving = r.perLayerRatio! / pad(r);
    out.push({
      claim: 'ReLU halves the variance per layer',
      measured: `${setting(r)}: × ${fr(r.perLayerRatio)} per layer = ${fr(halving)} × padding ${fr(pad(r))}`,
      verdict: Math.abs(halving - 0.5) <= 0.075 ? 'holds' : 'does not hold',
    });
    if (r.lastOverFirst !== null) {
      const predicted = 0.5 ** (r.depth - 1);
      out.push({
        claim: 'Xavier + ReLU dies with depth: Var(L) = Var(0)·(½)^L',
        measured: `after ${r.depth} layers ${fmt(r.lastOverFirst)} of layer 1's (½^${r.depth - 1} = ${fmt(predicted)}; with padding ${fmt(predicted * pad(r) ** (r.depth - 1))})`,
        verdict: r.lastOverFirst < 0.5 ** Math.min(10, (r.depth - 1) / 2) ? 'holds' : 'does not hold',
      });
    }
  }
  if (he.length > 0) {
    const r = he[0]!;
    const kept = r.perLayerRatio! / pad(r);
    // A finite-width net drifts below the mean-field line (Hanin & Rolnick): inside the theory's
    // finite-width band at the last layer still counts as "kept".
    const inBand = r.lastVariance !== null && r.lastBand !== null && r.lastVariance >= r.lastBand[0] && r.lastVariance <= r.lastBand[1];
    const band = r.lastBand === null || r.lastVariance === null
      ? ''
      : `; last layer ${fmt(r.lastVariance)}, ${inBand ? 'inside' : 'outside'} the finite-width band [${fmt(r.lastBand[0])}, ${fmt(r.lastBand[1])}]`;
    out.push({
      claim: 'He keeps it ≈ 1',
      measured: `${setting(r)}: × ${fr(r.perLayerRatio)} per layer = ${fr(kept)} × padding ${fr(pad(r))}; after ${r.depth} layers ${fmt(r.lastOverFirst)} of layer 1's${band}`,
      verdict: Math.abs(kept - 1) <= 0.1 || inBand ? 'holds' : 'does not hold',
    });
  }
  return out;
}

function learns(c: TrainCell): Learns | null {
  const n = c.runs - c.failed;
  const ci = wilsonInterval(c.ok, n);
  return ci === null ? null : { k: c.ok, n, low: ci[0], high: ci[1] };
}

const learnsText = (l: Learns): string => `learns ${l.k}/${l.n} [${l.low.toFixed(2)}, ${l.high.toFixed(2)}]`;

function outcome(c: TrainCell): string {
  const l = learns(c);
  const parts = (['stalled', 'diverged', 'failed'] as const).filter((s) => c[s] > 0).map((s) => `${s} ${c[s]}/${c.runs}`);
  return [...(l === null ? [] : [learnsText(l)]), ...parts].join(', ');
}

function trainingSentences(cells: readonly TrainCell[]): string[] {
  const out: string[] = [];
  for (const group of groupBy(cells, (c) => c.panel).values()) {
    const depth = Math.max(...group.map((c) => c.depth));
    const at = group.filter((c) => c.depth === depth).sort((a, b) => (b.accuracy ?? -1) - (a.accuracy ?? -1));
    const where = group[0]!.where === '' ? '' : ` (${group[0]!.where})`;
    const parts = at.map((c) => `${c.init} ${c.accuracy === null ? 'no accuracy' : `${(c.accuracy * 100).toFixed(0)}%`} (${outcome(c)})`);
    out.push(`Training, depth ${depth}${where}: final held-out accuracy ${parts.join('; ')}; chance ${(at[0]!.chance * 100).toFixed(0)}%.`);
  }
  if (out.length > 0) {
    out.push('"learns k/n": k of n runs ended with held-out accuracy beyond chance + 3 sds and did not diverge; [low, high] is a 95% Wilson interval on the probability that a run learns.');
  }
  return out;
}

export function headline(records: readonly RunRecord[]): Headline {
  const probes = probeSummaryRows(records);
  const cells = trainabilityRows(records).rows;
  const sentences = [...probes.map(probeSentence), ...trainingSentences(cells)];
  const failed = records.filter((r) => r.status === 'failed');
  if (failed.length > 0) sentences.push(`${failed.length} of ${records.length} runs failed (listed under "Failed runs").`);
  // A probe row carries training numbers only when the very same runs were trained.
  const cellAt = new Map(cells.map((c) => [c.key, c]));
  const rows: HeadlineRow[] = probes.map((p) => {
    const c = cellAt.get(p.key);
    return {
      setting: `${p.init} + ${p.activation}${p.panel === '' ? '' : ` · ${p.panel}`}`,
      depth: p.depth,
      perLayerRatio: p.perLayerRatio,
      theoryPerLayerRatio: p.theoryPerLayerRatio,
      lastOverFirst: p.lastOverFirst,
      finalAccuracy: c?.accuracy ?? null,
      outcome: c === undefined ? `${p.seeds} seeds` : outcome(c),
      learns: c === undefined ? null : learns(c),
    };
  });
  // Trained settings without a probe still get a row.
  const probed = new Set(probes.map((p) => p.key));
  for (const c of cells) {
    if (probed.has(c.key)) continue;
    rows.push({ setting: `${c.init} + ${c.activation}${c.where === '' ? '' : ` · ${c.where}`}`, depth: c.depth, perLayerRatio: null, theoryPerLayerRatio: null, lastOverFirst: null, finalAccuracy: c.accuracy, outcome: outcome(c), learns: learns(c) });
  }
  return { sentences, claims: claims(probes), rows };
}

/**
 * The seed's law in one sentence: per activation with both, the fitted factor per layer of He and of
 * Xavier (or LeCun) over their depth sweep, against the note's 1 and ½. Null without such a sweep.
 */
export function lawSentence(fits: readonly LawFit[]): string | null {
  const parts: string[] = [];
  for (const [panel, fs] of groupBy(fits.filter((f) => f.tag === ''), (f) => f.panel)) {
    const he = fs.filter((f) => initializerFamily(f.init.split(' ')[0]!) === 'he');
    const xav = fs.filter((f) => ['xavier', 'lecun'].includes(initializerFamily(f.init.split(' ')[0]!) ?? ''));
    if (he.length === 0 || xav.length === 0) continue;
    const list = [...he, ...xav].map((f) => `${f.init} ×${fr(f.factor)}`).join(', ');
    parts.push(`${panel === 'all runs' ? '' : `${panel}: `}${list}`);
  }
  if (parts.length === 0) return null;
  const depths = `${Math.min(...fits.map((f) => f.from))}–${Math.max(...fits.map((f) => f.to))}`;
  return `Fitted factor per layer over depths ${depths} — ${parts.join('; ')}. The note: ×1 for He, ×½ for Xavier under ReLU (zero padding costs a few per cent more).`;
}

/** Terminal table of the headline numbers, then the report path. */
export function formatSummary(rows: readonly HeadlineRow[], reportPath: string, extra: readonly string[] = []): string {
  const head = ['setting', 'depth', '×/layer', 'theory', 'last/first', 'final acc', 'runs'];
  const body = rows.map((r) => [
    r.setting, String(r.depth), fr(r.perLayerRatio), fr(r.theoryPerLayerRatio), fmt(r.lastOverFirst),
    r.finalAccuracy === null ? '–' : `${(r.finalAccuracy * 100).toFixed(1)}%`, r.outcome,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line), ...extra, `report: ${reportPath}`];
  return out.join('\n') + '\n';
}
