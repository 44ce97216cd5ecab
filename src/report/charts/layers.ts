/**
 * Per-layer charts of the probe at init: pre-activation variance, gradient variance, post-activation
 * second moment, dead-unit fraction. x = layer; one colour per initializer; the measured median is a
 * solid line with points, the min–max over seeds a band, the theory a dashed line of the same colour.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LayerRow } from '../rows.ts';
import { panelOrder, sortLabels } from '../rows.ts';
import { facetOrLayer, initColor, LOG_AXIS, NUM, SCI, type Json } from './common.ts';

export interface LayerChartOptions {
  /** the page's initializers, for stable colours (default: those in the rows) */
  inits?: readonly string[];
}

function layerChart(
  rows: readonly LayerRow[],
  o: LayerChartOptions & { title: string; subtitle: string[]; yTitle: string; log: boolean; percent?: boolean },
): TopLevelSpec {
  const inits = o.inits ?? sortLabels(rows.map((r) => r.init));
  const color = initColor(inits);
  const fmt = o.percent === true ? '.1%' : o.log ? SCI : NUM;
  const withHead = rows.some((r) => r.name === 'head');
  const xTitle = withHead ? 'layer (1 = first conv; the last is the dense head)' : 'layer (1 = first conv)';
  const x = { field: 'layer', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1, format: 'd' } };
  const yScale = o.log ? { type: 'log' } : o.percent === true ? { domain: [0, 1] } : {};
  const yAxis = o.log ? LOG_AXIS : o.percent === true ? { format: '%' } : {};
  const y = { field: 'value', type: 'quantitative', title: o.yTitle, scale: yScale, axis: yAxis };
  const tooltip = [
    { field: 'init', title: 'initializer' },
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
      mark: { type: 'area', opacity: 0.18 },
      encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, tooltip },
    },
    ...(hasTheoryBand
      ? [{
          // the theory's finite-width band: paler, so the measured band reads on top of it
          transform: [{ filter: "datum.series === 'theory' && isValid(datum.lo) && isValid(datum.hi)" }],
          mark: { type: 'area', opacity: 0.07 },
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, tooltip: theoryTooltip },
        }]
      : []),
    {
      mark: { type: 'line', strokeWidth: 1.6 },
      encoding: {
        x,
        y,
        color,
        ...(hasTheory
          ? { strokeDash: { field: 'series', type: 'nominal', title: 'line', scale: { domain: ['measured', 'theory'], range: [[1, 0], [5, 3]] } } }
          : {}),
        tooltip: [tooltip[0], tooltip[1], { field: 'depth', title: 'net depth' }],
      },
    },
    {
      transform: [{ filter: "datum.series === 'measured'" }],
      mark: { type: 'point', filled: true, size: 16 },
      encoding: { x, y, color, tooltip },
    },
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
    subtitle: [SPREAD, 'Pale band: the theory’s finite-width band. Each setting at its deepest net. Flat = signal preserved; falling = dying.'],
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

/** Fraction of units dead (zero on every probe example) per layer. */
export function deadFractionChart(rows: readonly LayerRow[], opts: LayerChartOptions = {}): TopLevelSpec {
  return layerChart(rows, {
    ...opts,
    title: 'Dead units per layer',
    subtitle: ['Fraction of units whose post-activation is exactly 0 on every example of the probe batch.'],
    yTitle: 'dead units (fraction)',
    log: false,
    percent: true,
  });
}
