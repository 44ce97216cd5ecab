/**
 * Per-layer charts of the probe at init: pre-activation variance, gradient variance, post-activation
 * second moment, dead or saturated units. x = layer; one colour per initializer; the measured median
 * is a solid line with points, the min–max over seeds a band, the theory a dashed line of the same
 * colour. In the gain-table panel (one initializer per activation) the point shape tells the lines apart.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LayerRow } from '../rows.ts';
import { panelOrder } from '../rows.ts';
import { sortLabels } from '../util.ts';
import { facetOrLayer, hlOpacity, initColor, LEGEND_TOP, legendTop, LOG_AXIS, NUM, PICK_PARAM, SCI, type Json } from './common.ts';

export interface LayerChartOptions {
  /** the page's initializers, for stable colours (default: those in the rows) */
  inits?: readonly string[];
}

/**
 * Point marks; on gain-table lines (several activations, one initializer each) the shape tells the
 * activation. One layer, so no facet cell is left with an empty layer (an empty layer's extent warns).
 */
export function pointLayers(x: Json, y: Json, color: Json, tooltip: Json[], rows: readonly { tag: string }[], filter: string): Json[] {
  const tags = sortLabels(rows.map((r) => r.tag).filter((t) => t !== ''));
  const shape = tags.length === 0
    ? {}
    : { shape: { condition: { test: "datum.tag === ''", value: 'circle' }, field: 'tag', type: 'nominal', title: 'activation (one initializer each)', scale: { domain: tags }, legend: legendTop(tags.length) } };
  return [
    { transform: [{ filter }], mark: { type: 'point', filled: true, size: tags.length === 0 ? 16 : 24 }, encoding: { x, y, color, opacity: hlOpacity(1), tooltip, ...shape } },
  ];
}

/**
 * A model file's layer names in index order, when every row names its layer by the model (not conv{i} or
 * head) and each index has one name: the x axis then reads block1_conv1, block1_conv2, …; else null.
 */
function modelLayerNames(rows: readonly LayerRow[]): string[] | null {
  const byIndex = new Map<number, string>();
  for (const r of rows) {
    if (/^(conv\d+|head)$/.test(r.name) || (byIndex.get(r.layer) ?? r.name) !== r.name) return null;
    byIndex.set(r.layer, r.name);
  }
  const n = Math.max(0, ...byIndex.keys());
  if (byIndex.size === 0 || byIndex.size !== n) return null;
  return Array.from({ length: n }, (_, i) => byIndex.get(i + 1)!);
}

function layerChart(
  rows: readonly LayerRow[],
  o: LayerChartOptions & { title: string; subtitle: string[]; yTitle: string; log: boolean; percent?: boolean },
): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(o.inits ?? sortLabels(drawn), drawn);
  const fmt = o.percent === true ? '.1%' : o.log ? SCI : NUM;
  // a net with a head has it as its last layer (its tooltip says 'head')
  const named = modelLayerNames(rows);
  const x =
    named === null
      ? { field: 'layer', type: 'quantitative', title: 'layer (1 = first conv)', axis: { tickMinStep: 1, format: 'd' } }
      : { field: 'layer', type: 'quantitative', title: 'layer (its name in the model)', axis: { values: named.map((_, i) => i + 1), labelExpr: `${JSON.stringify(['', ...named])}[datum.value]`, labelAngle: -45, labelAlign: 'right', labelOverlap: false, labelFontSize: 9 } };
  const yScale = o.log ? { type: 'log' } : o.percent === true ? { domain: [0, 1] } : {};
  const yAxis = o.log ? LOG_AXIS : o.percent === true ? { format: '%' } : {};
  const y = { field: 'value', type: 'quantitative', title: o.yTitle, scale: yScale, axis: yAxis };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    ...(rows.some((r) => r.tag !== '') ? [{ field: 'tag', title: 'activation' }] : []),
    ...(rows.some((r) => r.measure !== null) ? [{ field: 'measure', title: 'units' }] : []),
    { field: 'series', title: 'series' },
    { field: 'name', title: 'layer' },
    { field: 'value', title: o.yTitle, format: fmt },
    { field: 'lo', title: 'min over seeds', format: fmt },
    { field: 'hi', title: 'max over seeds', format: fmt },
    { field: 'seeds', title: 'seeds' },
    { field: 'depth', title: 'net depth' },
  ];
  const hasTheory = rows.some((r) => r.series === 'theory');
  const hasTheoryBand = rows.some((r) => r.series === 'theory' && r.lo !== null && r.hi !== null);
  const theoryTooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'name', title: 'layer' },
    { field: 'value', title: `theory: ${o.yTitle}`, format: fmt },
    { field: 'lo', title: 'finite-width band low', format: fmt },
    { field: 'hi', title: 'finite-width band high', format: fmt },
  ];
  const layer: Json[] = [
    {
      transform: [{ filter: "datum.series === 'measured' && isValid(datum.lo) && isValid(datum.hi)" }],
      mark: { type: 'area' },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, detail: { field: 'tag' }, opacity: hlOpacity(0.18, 0.03), tooltip },
    },
    ...(hasTheoryBand
      ? [{
          // the theory's finite-width band: paler, so the measured band reads on top of it
          transform: [{ filter: "datum.series === 'theory' && isValid(datum.lo) && isValid(datum.hi)" }],
          mark: { type: 'area' },
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, detail: { field: 'tag' }, opacity: hlOpacity(0.07, 0.01), tooltip: theoryTooltip },
        }]
      : []),
    {
      params: [PICK_PARAM],
      mark: { type: 'line', strokeWidth: 1.6 },
      encoding: {
        x,
        y,
        color,
        detail: { field: 'tag' },
        opacity: hlOpacity(1),
        ...(hasTheory
          ? { strokeDash: { field: 'series', type: 'nominal', title: 'line', scale: { domain: ['measured', 'theory'], range: [[1, 0], [5, 3]] }, legend: LEGEND_TOP } }
          : {}),
        tooltip: [tooltip[0], { field: 'series', title: 'series' }, { field: 'depth', title: 'net depth' }],
      },
    },
    ...pointLayers(x, y, color, tooltip, rows, "datum.series === 'measured'"),
  ];
  const panels = panelOrder(rows);
  return facetOrLayer({ title: o.title, subtitle: o.subtitle, values: rows, panels, layer, resolve: { scale: { y: 'shared' } } });
}

const SPREAD = 'Solid: median over seeds, band: min–max over seeds; dashed: theory (mean-field, padding-aware).';

/** Pre-activation variance per layer, log y. */
export function preVarianceChart(rows: readonly LayerRow[], opts: LayerChartOptions = {}): TopLevelSpec {
  return layerChart(rows, {
    ...opts,
    title: 'Pre-activation variance per layer',
    subtitle: [SPREAD, 'Pale band: theory’s finite-width spread for one seed (Hanin & Rolnick).'],
    yTitle: 'Var(z) of pre-activations',
    log: true,
  });
}

/** Variance of the gradient wrt pre-activations per layer, log y. */
export function gradVarianceChart(rows: readonly LayerRow[], opts: LayerChartOptions = {}): TopLevelSpec {
  return layerChart(rows, {
    ...opts,
    title: 'Gradient variance per layer (backward pass)',
    subtitle: [SPREAD, 'Gradient wrt pre-activations, backward from a unit-variance Gaussian cotangent at the top.'],
    yTitle: 'Var(∂/∂z) of pre-activations',
    log: true,
  });
}

/** Second moment E[a²] of post-activations per layer, log y (no theory line). */
export function postMomentChart(rows: readonly LayerRow[], opts: LayerChartOptions = {}): TopLevelSpec {
  return layerChart(rows, {
    ...opts,
    title: 'Post-activation second moment per layer',
    subtitle: ['Solid: median over seeds, band: min–max over seeds. What the next layer multiplies by fan-in·Var(W).'],
    yTitle: 'E[a²] of post-activations',
    log: true,
  });
}

/** Fraction of units dead (zero on every probe example), or for tanh and sigmoid saturated, per layer. */
export function unitFractionChart(rows: readonly LayerRow[], opts: LayerChartOptions = {}): TopLevelSpec {
  const saturating = rows.some((r) => r.measure === 'saturated');
  const dead = rows.some((r) => r.measure === 'dead');
  const what = [dead ? 'dead: post-activation exactly 0 on every probe example' : '', saturating ? 'saturated: |tanh| > 0.99, sigmoid < 0.01 or > 0.99' : ''].filter((s) => s !== '');
  return layerChart(rows, {
    ...opts,
    title: saturating && dead ? 'Dead and saturated units per layer' : saturating ? 'Saturated units per layer' : 'Dead units per layer',
    subtitle: [`Fraction of units; ${what.join('; ')}.`],
    yTitle: saturating && dead ? 'dead or saturated (fraction)' : saturating ? 'saturated units (fraction)' : 'dead units (fraction)',
    log: false,
    percent: true,
  });
}
