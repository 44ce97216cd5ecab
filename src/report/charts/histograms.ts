/**
 * The probe's per-layer histograms: a layer × value density heatmap per run, and for one run chosen
 * from a menu Glorot & Bengio's (2010) overlaid curves for a few layers. Values are in units of the
 * run's widest layer's std, so a layer whose spread collapses (Xavier + ReLU) narrows to a spike at 0
 * and a saturating tanh piles its post-activations at ±1.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { HistRow, Tensor } from '../rows-probe.ts';
import { CONFIG, facetOrLayer, fitColumns, HL_PARAM, hlOpacity, LEGEND_TOP, legendTop, SCHEMA, wrapText, type Json } from './common.ts';

const TENSOR_LABELS: Record<Tensor, string> = { pre: 'pre-activation', post: 'post-activation', gradPre: 'gradient wrt pre-activation' };
const X_TITLE = 'value ÷ std of the widest layer';

/** A radio choice of tensor among those the rows hold (pre-activation first). */
function tensorParam(rows: readonly HistRow[]): Json {
  const options = (['pre', 'post', 'gradPre'] as const).filter((t) => rows.some((r) => r.tensor === t));
  return { name: 'tensor', value: options[0] ?? 'pre', bind: { input: 'radio', options, labels: options.map((t) => TENSOR_LABELS[t]), name: 'histogram of the ' } };
}

/** Flatten each row's cells (f zipped with k) into one datum per cell: x0..x1 and the share f. */
const CELLS: Json[] = [
  { flatten: ['f', 'k'], as: ['share', 'cell'] },
  { calculate: 'datum.lo + datum.cell * datum.w', as: 'x0' },
  { calculate: 'datum.lo + (datum.cell + 1) * datum.w', as: 'x1' },
];

export function histogramHeatmap(rows: readonly HistRow[]): TopLevelSpec {
  const panels = [...new Set(rows.map((r) => r.panel))];
  const layers = Math.max(1, ...panels.map((p) => new Set(rows.filter((r) => r.panel === p).map((r) => r.layer)).size));
  const width = 190;
  const layer: Json[] = [
    {
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x0', type: 'quantitative', title: X_TITLE, axis: { tickCount: 5 } },
        x2: { field: 'x1' },
        y: { field: 'layer', type: 'ordinal', title: 'layer', axis: { labelOverlap: 'parity' } },
        color: {
          field: 'share', type: 'quantitative', title: 'share of the layer’s entries',
          scale: { type: 'log', domain: [1e-4, 1], clamp: true, scheme: 'viridis' }, legend: { ...LEGEND_TOP, format: '.0e', gradientLength: 240 },
        },
        opacity: hlOpacity(1, 0.2),
        tooltip: [
          { field: 'panel', title: 'run' },
          { field: 'layer', title: 'layer' },
          { field: 'x0', title: 'from', format: '.3~g' },
          { field: 'x1', title: 'to', format: '.3~g' },
          { field: 'share', title: 'share of entries', format: '.2~%' },
          { field: 'zeros', title: 'exactly 0', format: '.1~%' },
          { field: 'spread', title: 'std ÷ widest layer’s', format: '.3~g' },
        ],
      },
    },
  ];
  return facetOrLayer({
    title: 'Histograms per layer: where the values are',
    subtitle: [
      'Each row a layer, each cell the share of its entries with that value (exact zeros in the cell at 0); values ÷ the std of the run’s widest layer.',
      'A spread that collapses layer by layer narrows to a spike at 0; a saturating tanh piles its post-activations at the edges.',
    ],
    values: rows,
    panels,
    transform: [{ filter: 'datum.tensor === tensor' }, ...CELLS, { filter: 'datum.share > 0' }],
    params: [tensorParam(rows)],
    layer,
    width,
    height: Math.max(60, 11 * layers),
    columns: fitColumns(panels.length, width, 50, 4),
    // each run its own layers (a depth-20 net's histogram layers are not a depth-30 net's)
    resolve: { scale: { y: 'independent' } },
  });
}

/** Overlaid curves of a few layers (≤ 5, first and last among them) of the run chosen in the menu. */
export function histogramCurves(rows: readonly HistRow[], runs: readonly string[], opts: { initial?: string } = {}): TopLevelSpec {
  const picked = rows.filter((r) => r.curve);
  const initial = opts.initial !== undefined && runs.includes(opts.initial) ? opts.initial : runs[0] ?? '';
  const sub = [
    'One curve per layer: the share of its entries in each cell of the value grid, as Glorot & Bengio (2010) drew activations layer by layer.',
  ];
  return {
    $schema: SCHEMA,
    title: { text: 'Histograms of a few layers of one run', subtitle: wrapText(sub) },
    data: { values: picked },
    params: [HL_PARAM, tensorParam(picked), { name: 'run', value: initial, bind: { input: 'select', options: [...runs], name: 'run ' } }],
    config: CONFIG,
    transform: [{ filter: 'datum.panel === run && datum.tensor === tensor' }, ...CELLS, { calculate: '(datum.x0 + datum.x1) / 2', as: 'x' }],
    width: 560,
    height: 220,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.6, interpolate: 'step' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: X_TITLE, axis: { tickCount: 8 } },
          y: { field: 'share', type: 'quantitative', title: 'share of the layer’s entries', axis: { format: '.0%' } },
          // the domain follows the filtered data, so the legend lists the chosen run's layers only
          color: { field: 'layer', type: 'ordinal', title: 'layer', scale: { scheme: 'viridis' }, legend: legendTop(5) },
          opacity: hlOpacity(1, 0.2),
          tooltip: [
            { field: 'layer', title: 'layer' },
            { field: 'x0', title: 'from', format: '.3~g' },
            { field: 'x1', title: 'to', format: '.3~g' },
            { field: 'share', title: 'share', format: '.2~%' },
            { field: 'zeros', title: 'exactly 0', format: '.1~%' },
          ],
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
