/**
 * The seed's law as pictures: Var(z_L)/Var(z_1) against depth L on a log axis, one line per
 * initializer × activation with the theory dashed and the note's (½)^L and 1 for reference; and the
 * per-layer ratio against width, a dot per seed.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LawFit, LawRow, RefRow } from '../rows-probe.ts';
import { panelOrder } from '../rows.ts';
import { fmtRatio, groupBy, sortLabels } from '../util.ts';
import { pointLayers } from './layers.ts';
import { facetOrLayer, hlOpacity, initColor, LEGEND_TOP, LOG_AXIS, NUM, PICK_PARAM, SCI, type Json } from './common.ts';

export interface LawChartOptions {
  inits?: readonly string[];
}

const LINE_DASH = { field: 'series', type: 'nominal', title: 'line', scale: { domain: ['measured', 'theory'], range: [[1, 0], [5, 3]] }, legend: LEGEND_TOP };

/** The measured band, theory and measured lines and points of law rows (x = `x`). */
function lawLayers(rows: readonly LawRow[], x: Json, y: Json, color: Json, fmt: string, xTitle: string): Json[] {
  const tooltip = [
    { field: 'init', title: 'initializer' },
    ...(rows.some((r) => r.tag !== '') ? [{ field: 'tag', title: 'activation' }] : []),
    { field: 'series', title: 'series' },
    { field: 'x', title: xTitle },
    { field: 'value', title: 'value', format: fmt },
    { field: 'lo', title: 'min over seeds', format: fmt },
    { field: 'hi', title: 'max over seeds', format: fmt },
    { field: 'seeds', title: 'seeds' },
  ];
  return [
    {
      transform: [{ filter: "datum.series === 'measured' && isValid(datum.lo) && isValid(datum.hi)" }],
      mark: { type: 'area' },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, detail: { field: 'tag' }, opacity: hlOpacity(0.16, 0.03), tooltip },
    },
    {
      params: [PICK_PARAM],
      transform: [{ filter: "datum.series === 'measured' || datum.series === 'theory'" }],
      mark: { type: 'line', strokeWidth: 1.6 },
      encoding: { x, y, color, detail: { field: 'tag' }, strokeDash: LINE_DASH, opacity: hlOpacity(1), tooltip: [tooltip[0], { field: 'series', title: 'series' }] },
    },
    ...pointLayers(x, y, color, tooltip, rows, "datum.series === 'measured'"),
  ];
}

/**
 * Var(z_L)/Var(z_1) against depth: per line the median over seeds (band: min–max), theory dashed,
 * the fitted factor per layer at the line's end; grey, the note's (½)^L (from layer 1) and 1.
 */
export function depthLawChart(rows: readonly LawRow[], refs: readonly RefRow[], fits: readonly LawFit[], opts: LawChartOptions = {}): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  const x = { field: 'x', type: 'quantitative', title: 'depth L (conv layers)', axis: { tickMinStep: 1, format: 'd' } };
  const y = { field: 'value', type: 'quantitative', title: 'Var(z_L) / Var(z_1)', scale: { type: 'log' }, axis: LOG_AXIS };
  const height = 165;
  // the fitted factor labels the last measured point of each line, unless it would overprint another
  // label of its panel: on the shared log axis, labels closer than 12 px in y keep only the first
  const logs = [...rows.flatMap((r) => [r.value, r.lo ?? r.value, r.hi ?? r.value]), ...refs.map((r) => r.value)].filter((v) => v > 0).map(Math.log10);
  const pxPerDecade = height / Math.max(1e-9, Math.max(...logs) - Math.min(...logs));
  const fitOf = new Map(fits.map((f) => [`${f.panel}\u0000${f.tag}\u0000${f.init}`, f]));
  const labelled = new Set<LawRow>();
  for (const ends of groupBy(rows.filter((r) => r.series === 'measured' && fitOf.get(`${r.panel}\u0000${r.tag}\u0000${r.init}`)?.to === r.x), (r) => r.panel).values()) {
    const kept: number[] = [];
    for (const r of ends.sort((a, b) => b.value - a.value)) {
      const y = Math.log10(r.value) * pxPerDecade;
      if (kept.every((k) => Math.abs(k - y) >= 12)) {
        kept.push(y);
        labelled.add(r);
      }
    }
  }
  const values: object[] = rows.map((r) => {
    const f = fitOf.get(`${r.panel}\u0000${r.tag}\u0000${r.init}`);
    return { ...r, fit: f !== undefined && labelled.has(r) ? `×${fmtRatio(f.factor)}/layer` : '' };
  });
  const lastRef = new Map<string, number>();
  for (const r of refs) lastRef.set(r.panel, Math.max(lastRef.get(r.panel) ?? -Infinity, r.x));
  for (const r of refs) {
    const end = r.x === lastRef.get(r.panel);
    values.push({ panel: r.panel, init: '', tag: '', x: r.x, series: r.ref, value: r.value, lo: null, hi: null, seeds: 0, fit: end ? (r.ref === 'half' ? '(½)^L' : '1') : '' });
  }
  const layer: Json[] = [
    {
      transform: [{ filter: "datum.series === 'half' || datum.series === 'one'" }],
      mark: { type: 'line', color: '#888', strokeDash: [2, 3], strokeWidth: 1.2 },
      encoding: { x, y, detail: { field: 'series' }, tooltip: [{ field: 'series', title: 'reference' }, { field: 'x', title: 'depth' }, { field: 'value', title: 'value', format: SCI }] },
    },
    {
      transform: [{ filter: "(datum.series === 'half' || datum.series === 'one') && datum.fit !== ''" }],
      mark: { type: 'text', color: '#666', align: 'right', baseline: 'bottom', dx: -2, dy: -3, fontSize: 11 },
      encoding: { x, y, text: { field: 'fit' } },
    },
    ...lawLayers(rows, x, y, color, SCI, 'depth'),
    {
      transform: [{ filter: "datum.series === 'measured' && datum.fit !== ''" }],
      mark: { type: 'text', align: 'right', baseline: 'top', dx: -3, dy: 5, fontSize: 10, fontWeight: 'bold' },
      encoding: { x, y, text: { field: 'fit' }, color, opacity: hlOpacity(1) },
    },
  ];
  return facetOrLayer({
    title: 'The seed’s law: variance after L layers, relative to layer 1',
    subtitle: [
      'Median over seeds (band: min–max); dashed: theory (padding-aware); label: fitted factor per layer.',
      'Grey: the note’s ×½ per layer ((½)^L from layer 1) and 1, He’s promise.',
    ],
    values,
    panels: panelOrder(rows),
    layer,
    width: 230,
    height,
    resolve: { scale: { y: 'shared' } },
  });
}

/** The per-layer ratio against width (log₂ x): a dot per seed, the median line, theory dashed; grey rules at ½ and 1. */
export function widthLawChart(rows: readonly LawRow[], opts: LawChartOptions = {}): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  const widths = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const x = { field: 'x', type: 'quantitative', title: 'width (channels per conv layer)', scale: { type: 'log', base: 2 }, axis: { values: widths, format: 'd' } };
  const y = { field: 'value', type: 'quantitative', title: 'variance ratio per layer (geometric mean)', scale: { zero: false } };
  const layer: Json[] = [
    // one rule per panel (a datum-encoded mark over the rows would draw one per row)
    { transform: [{ aggregate: [{ op: 'count', as: 'n' }] }], mark: { type: 'rule', color: '#888', strokeDash: [2, 3] }, encoding: { y: { datum: 1 } } },
    { transform: [{ aggregate: [{ op: 'count', as: 'n' }] }], mark: { type: 'rule', color: '#888', strokeDash: [2, 3] }, encoding: { y: { datum: 0.5 } } },
    {
      transform: [{ filter: "datum.series === 'seed'" }],
      mark: { type: 'point', size: 14, opacity: 0.5 },
      encoding: { x, y, color, opacity: hlOpacity(0.5, 0.05), tooltip: [{ field: 'init', title: 'initializer' }, { field: 'x', title: 'width' }, { field: 'value', title: 'one seed', format: NUM }] },
    },
    ...lawLayers(rows.filter((r) => r.series !== 'seed'), x, y, color, NUM, 'width'),
  ];
  return facetOrLayer({
    title: 'Per-layer variance ratio against width',
    subtitle: [
      'Dots: one per seed; line: median; dashed: theory, which ignores width. Grey: ½ (the note’s ReLU halving) and 1.',
      'Narrow nets scatter more from seed to seed (Hanin & Rolnick); the mean does not move.',
    ],
    values: rows,
    panels: panelOrder(rows),
    layer,
    width: 230,
    height: 180,
    resolve: { scale: { y: 'shared' } },
  });
}
