/**
 * Training, layer by layer: the gradient and weight norm of every layer's kernel over the steps (a
 * layer × step heatmap, and lines for a few layers), and the probes taken during training against the
 * one at init, with theory's at-init prediction.
 */
import type { TopLevelSpec } from 'vega-lite';
import { NORM_TITLES, type NormRow, type TrainProbeRow } from '../rows-train.ts';
import { sortLabels } from '../util.ts';
import { CONFIG, facetOrLayer, fitColumns, HL_PARAM, hlOpacity, initColor, LEGEND_TOP, legendTop, LOG_AXIS, MAX_CHART_WIDTH, PICK_PARAM, SCHEMA, SCI, wrapText, type Json } from './common.ts';

const STEP_X = { field: 'step', type: 'quantitative', title: 'training step', axis: { tickMinStep: 1, format: 'd', tickCount: 5 } };

/**
 * Layer × step heatmaps of the norms: the gradient's beside the weight's (each its own log colour
 * scale: they differ by orders of magnitude), a panel per initializer (and setting).
 */
export function normHeatmap(rows: readonly NormRow[]): TopLevelSpec {
  const panels = sortLabels(rows.map((r) => r.panel));
  const names = [...new Map(rows.map((r) => [r.name, r.layer])).entries()].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  const steps = [...new Set(rows.map((r) => r.step))].sort((a, b) => a - b);
  const width = Math.min(300, Math.max(100, 12 * steps.length));
  const columns = fitColumns(panels.length, width, 70, Math.max(1, Math.floor(MAX_CHART_WIDTH / 2 / (width + 70))));
  const view = (metric: 'gradient' | 'weight'): Json => ({
    transform: [{ filter: `datum.metric === '${metric}'` }],
    title: { text: NORM_TITLES[metric], fontSize: 12 },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
    columns,
    spec: {
      width,
      height: Math.max(60, 9 * names.length),
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'step', type: 'ordinal', title: 'training step', sort: steps, axis: { labelAngle: 0 } },
        y: { field: 'name', type: 'ordinal', title: 'layer', sort: names, axis: { labelOverlap: 'parity' } },
        color: { field: 'value', type: 'quantitative', title: metric === 'gradient' ? '‖∂L/∂W‖' : '‖W‖', scale: { type: 'log', scheme: 'viridis' }, legend: { ...LEGEND_TOP, format: '.0e', gradientLength: 160 } },
        opacity: hlOpacity(1, 0.2),
        tooltip: [
          { field: 'init', title: 'initializer' },
          { field: 'metric', title: 'norm of' },
          { field: 'name', title: 'layer' },
          { field: 'step', title: 'step' },
          { field: 'value', title: 'median over seeds', format: SCI },
          { field: 'lo', title: 'min over seeds', format: SCI },
          { field: 'hi', title: 'max over seeds', format: SCI },
        ],
      },
    },
  });
  return {
    $schema: SCHEMA,
    title: {
      text: 'Gradient and weight norms per layer during training',
      subtitle: wrapText(['Each row a layer’s kernel, each column an eval; colour: the L2 norm (median over seeds) of the gradient on the last batch (left) and of the kernel (right).']),
    },
    data: { values: rows },
    params: [HL_PARAM],
    config: CONFIG,
    hconcat: [view('gradient'), view('weight')],
    resolve: { scale: { color: 'independent' } },
  } as unknown as TopLevelSpec;
}

/** The norms of a few layers (first, middle, last conv; the head) against the step: a panel per layer and metric. */
export function normLines(rows: readonly NormRow[], opts: { inits?: readonly string[] } = {}): TopLevelSpec {
  const chosen = rows.filter((r) => r.chosen).map((r) => ({ ...r, panel: `${r.setting === 'all runs' ? '' : `${r.setting} · `}${r.name}: ${r.metric}` }));
  const drawn = chosen.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  const names = [...new Map(chosen.map((r) => [r.name, r.layer])).entries()].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  const settings = sortLabels(chosen.map((r) => r.setting));
  const panels = settings.flatMap((s) => (['gradient', 'weight'] as const).flatMap((m) => names.map((n) => chosen.find((r) => r.setting === s && r.metric === m && r.name === n)?.panel)))
    .filter((p): p is string => p !== undefined);
  const y = { field: 'value', type: 'quantitative', title: 'norm', scale: { type: 'log' }, axis: LOG_AXIS };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'name', title: 'layer' },
    { field: 'metric', title: 'norm of' },
    { field: 'step', title: 'step' },
    { field: 'value', title: 'median over seeds', format: SCI },
    { field: 'lo', title: 'min over seeds', format: SCI },
    { field: 'hi', title: 'max over seeds', format: SCI },
  ];
  const cols = Math.max(1, Math.min(4, names.length));
  const width = Math.floor(MAX_CHART_WIDTH / cols) - 70;
  return facetOrLayer({
    title: 'Gradient and weight norms of a few layers',
    subtitle: [`The first, middle and last conv layer and the head; gradient: ${NORM_TITLES.gradient}, weight: ${NORM_TITLES.weight}. Line: median over seeds, band: min–max.`],
    values: chosen,
    panels,
    layer: [
      { mark: { type: 'area' }, encoding: { x: STEP_X, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, opacity: hlOpacity(0.16, 0.03), tooltip } },
      { params: [PICK_PARAM], mark: { type: 'line', strokeWidth: 1.6, point: { size: 14, filled: true } }, encoding: { x: STEP_X, y, color, opacity: hlOpacity(1), tooltip } },
    ],
    width,
    height: 120,
    columns: cols,
    resolve: { scale: { y: 'independent' } },
  });
}

/**
 * Per-layer pre-activation variance (log) and dead or saturated fraction at init and at each probed
 * step, a column per initializer; colour: the step; black dashed: theory's at-init prediction.
 */
export function trainProbeChart(rows: readonly TrainProbeRow[]): TopLevelSpec {
  const whens = [...new Map(rows.filter((r) => r.series === 'probe').map((r) => [r.when, r.step])).entries()].sort((a, b) => a[1] - b[1]).map(([w]) => w);
  const x = { field: 'layer', type: 'quantitative', title: 'layer (1 = first conv)', axis: { tickMinStep: 1, format: 'd' } };
  const color = { field: 'when', type: 'ordinal', title: 'probe', sort: whens, scale: { domain: whens, scheme: 'viridis' }, legend: legendTop(whens.length) };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'when', title: 'probe' },
    { field: 'name', title: 'layer' },
    { field: 'value', title: 'median over seeds', format: '.3~g' },
    { field: 'seeds', title: 'seeds' },
  ];
  const cells = (metric: 'variance' | 'units'): Json => {
    const these = rows.filter((r) => r.metric === metric);
    const panels = sortLabels(these.map((r) => r.panel));
    const y = metric === 'variance'
      ? { field: 'value', type: 'quantitative', title: 'Var(z) of pre-activations', scale: { type: 'log' }, axis: LOG_AXIS }
      : { field: 'value', type: 'quantitative', title: 'fraction of units', scale: { domain: [0, 1] }, axis: { format: '%' } };
    const layer: Json[] = [
      { transform: [{ filter: "datum.series === 'probe'" }], mark: { type: 'line', strokeWidth: 1.6, point: { size: 12, filled: true } }, encoding: { x, y, color, opacity: hlOpacity(1), tooltip } },
      ...(metric === 'variance'
        ? [{ transform: [{ filter: "datum.series === 'theory'" }], mark: { type: 'line', color: '#222', strokeDash: [5, 3], strokeWidth: 1.2 }, encoding: { x, y, opacity: hlOpacity(1), tooltip } }]
        : []),
    ];
    const width = Math.min(300, Math.floor(MAX_CHART_WIDTH / Math.max(1, Math.min(3, panels.length))) - 70);
    return {
      // each row of the chart its own data (a shared dataset filtered twice trips vega-lite's optimizer)
      data: { values: these },
      facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
      columns: Math.min(3, panels.length),
      spec: { width, height: 150, layer },
    };
  };
  return {
    $schema: SCHEMA,
    title: {
      text: 'Probes during training against the probe at init',
      subtitle: wrapText([
        'Per layer, at init and at each probed step (median over seeds). Black dashed: theory’s prediction, which is for the net at init only:',
        'where a later probe leaves it, training has moved the weights away from their initial distribution.',
      ]),
    },
    params: [HL_PARAM],
    config: CONFIG,
    vconcat: (['variance', 'units'] as const).filter((m) => rows.some((r) => r.metric === m)).map(cells),
    resolve: { scale: { color: 'shared' } },
  } as unknown as TopLevelSpec;
}
