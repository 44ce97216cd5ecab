/** Trainability heatmap: depth × initializer → final held-out accuracy; stalled/diverged/failed outlined in red. */
import type { TopLevelSpec } from 'vega-lite';
import type { TrainCell } from '../rows.ts';
import { sortLabels } from '../rows.ts';
import { facetOrLayer, fitColumns, hlOpacity } from './common.ts';

export function trainabilityChart(cells: readonly TrainCell[], opts: { inits?: readonly string[] } = {}): TopLevelSpec {
  const inits = (opts.inits ?? sortLabels(cells.map((c) => c.init))).filter((i) => cells.some((c) => c.init === i));
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => b - a);
  const x = { field: 'init', type: 'nominal', title: 'initializer', sort: inits, axis: { labelAngle: inits.length > 4 ? -30 : 0, labelLimit: 200 } };
  const y = { field: 'depth', type: 'ordinal', title: 'depth (conv layers)', sort: depths };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'depth', title: 'depth' },
    { field: 'accuracy', title: 'final accuracy (median)', format: '.1%' },
    { field: 'chance', title: 'chance', format: '.0%' },
    { field: 'runs', title: 'runs' },
    { field: 'ok', title: 'ok' },
    { field: 'stalled', title: 'stalled' },
    { field: 'diverged', title: 'diverged' },
    { field: 'failed', title: 'failed' },
  ];
  const layer = [
    {
      transform: [{ filter: 'isValid(datum.accuracy)' }],
      mark: { type: 'rect' },
      encoding: {
        x,
        y,
        color: { field: 'accuracy', type: 'quantitative', title: 'final accuracy', scale: { domain: [0, 1], scheme: 'viridis' }, legend: { format: '%', titleLimit: 200, orient: 'top', direction: 'horizontal' } },
        opacity: hlOpacity(1, 0.25),
        tooltip,
      },
    },
    {
      transform: [{ filter: '!isValid(datum.accuracy)' }],
      mark: { type: 'rect', color: '#bbb' },
      encoding: { x, y, tooltip },
    },
    {
      transform: [{ filter: 'datum.stalled + datum.diverged + datum.failed > 0' }],
      mark: { type: 'rect', filled: false, stroke: '#d62728', strokeWidth: 2.5 },
      encoding: { x, y, tooltip },
    },
    {
      mark: { type: 'text', fontSize: 11, lineBreak: '\n' },
      encoding: {
        x,
        y,
        text: { field: 'label' },
        color: { condition: { test: 'isValid(datum.accuracy) && datum.accuracy > 0.55', value: 'black' }, value: 'white' },
        tooltip,
      },
    },
  ];
  const longest = Math.max(4, ...cells.flatMap((c) => c.label.split('\n').map((l) => l.length)));
  // cells wide enough for their text, but all of them within a 1024-px window
  const step = Math.max(56, Math.min(220, 16 + 7 * longest, Math.floor(760 / Math.max(1, inits.length))));
  const panels = sortLabels(cells.map((c) => c.panel));
  return facetOrLayer({
    title: 'Trainability: final held-out accuracy by depth and initializer',
    subtitle: 'Median over seeds (a diverged run counts as chance). Red outline: some seeds stalled, diverged or failed.',
    values: cells,
    panels,
    layer,
    width: step * inits.length,
    height: (cells.some((c) => c.label.includes('\n')) ? 44 : 30) * depths.length,
    columns: fitColumns(panels.length, step * inits.length, 90, 2),
  });
}
