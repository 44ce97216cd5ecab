/** Training curves: loss per step and held-out accuracy per eval, median and band over seeds, faceted by depth. */
import type { TopLevelSpec } from 'vega-lite';
import type { CurveRow } from '../rows.ts';
import { sortLabels } from '../rows.ts';
import { facetOrLayer, hlOpacity, initColor, NUM, PICK_PARAM, type Json } from './common.ts';

export interface CurveChartOptions {
  inits?: readonly string[];
}

function panelsByDepth(rows: readonly CurveRow[]): string[] {
  return sortLabels(rows.map((r) => r.panel));
}

function curveLayers(o: { color: Json; yTitle: string; format: string; log: boolean; percent: boolean }): Json[] {
  const x = { field: 'step', type: 'quantitative', title: 'training step', axis: { tickMinStep: 1, format: 'd' } };
  const y = {
    field: 'median',
    type: 'quantitative',
    title: o.yTitle,
    scale: o.log ? { type: 'log' } : o.percent ? { domain: [0, 1] } : {},
    axis: o.percent ? { format: '%' } : {},
  };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'step', title: 'step' },
    { field: 'median', title: `${o.yTitle} (median)`, format: o.format },
    { field: 'lo', title: 'min over seeds', format: o.format },
    { field: 'hi', title: 'max over seeds', format: o.format },
    { field: 'seeds', title: 'seeds' },
  ];
  return [
    { mark: { type: 'area' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: o.color, opacity: hlOpacity(0.18, 0.03), tooltip } },
    { params: [PICK_PARAM], mark: { type: 'line', strokeWidth: 1.6 }, encoding: { x, y, color: o.color, opacity: hlOpacity(1), tooltip: [tooltip[0], tooltip[5]] } },
    { mark: { type: 'point', filled: true, size: 10 }, encoding: { x, y, color: o.color, opacity: hlOpacity(0.6, 0.08), tooltip } },
  ];
}

/** Training loss vs step (bucket means of per-batch loss), log y. */
export function lossChart(rows: readonly CurveRow[], opts: CurveChartOptions = {}): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  return facetOrLayer({
    title: 'Training loss',
    subtitle: 'Cross-entropy on training batches (bucket means); line: median over seeds, band: min–max.',
    values: rows,
    panels: panelsByDepth(rows),
    layer: curveLayers({ color, yTitle: 'training loss (cross-entropy, nats)', format: NUM, log: true, percent: false }),
  });
}

/** Held-out accuracy vs step, with the chance level as a dashed rule. */
export function accuracyChart(
  rows: readonly CurveRow[],
  chance: readonly { panel: string; chance: number }[],
  opts: CurveChartOptions = {},
): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  const panels = panelsByDepth(rows);
  const chanceOf = Object.fromEntries(chance.map((c) => [c.panel, c.chance]));
  const levels = [...new Set(chance.map((c) => c.chance))];
  const layer = [
    ...curveLayers({ color, yTitle: 'held-out accuracy', format: '.1%', log: false, percent: true }),
    {
      // One rule per panel at that panel's chance: collapse the rows to one datum per panel first.
      transform: [{ aggregate: [{ op: 'count', as: 'points' }], groupby: ['panel'] }, { calculate: `${JSON.stringify(chanceOf)}[datum.panel]`, as: 'chance' }],
      mark: { type: 'rule', strokeDash: [2, 3], color: '#888' },
      encoding: {
        y: { field: 'chance', type: 'quantitative' },
        tooltip: [{ field: 'chance', title: 'chance accuracy', format: '.0%' }],
      },
    },
  ];
  return facetOrLayer({
    title: 'Held-out accuracy',
    subtitle: `Accuracy on the held-out split at each eval; line: median over seeds, band: min–max; dotted: chance${levels.length === 1 ? ` (${(levels[0]! * 100).toFixed(0)}%)` : ''}.`,
    values: rows,
    panels,
    layer,
  });
}
