/**
 * Signal propagation beyond variance (issue 15), as pictures: the correlation map per layer, ξ_c against
 * σ_w², the Jacobian's spectrum per depth, the (σ_w², depth) phase diagram with the fitted trainable
 * depth, and the theory card's phase diagram over (σ_w², σ_b²). Rows in (rows-eoc.ts), Vega-Lite out.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CorrelationRow, JacobianHistRow, JacobianMomentRow, PhaseCell, PhaseCurvePoint, PhaseFit, TheoryGridCell, TheoryPoint, XiRow } from '../rows-eoc.ts';
import { XI_CAP } from '../rows-eoc.ts';
import { sortLabels } from '../util.ts';
import { facetOrLayer, fitColumns, LEGEND_TOP, legendTop, LOG_AXIS, NUM, type Json } from './common.ts';

const DASH = { field: 'series', type: 'nominal', title: 'line', scale: { domain: ['measured', 'theory'], range: [[1, 0], [5, 3]] }, legend: LEGEND_TOP };

function seriesColor(labels: readonly string[]): Json {
  const domain = sortLabels(labels);
  return { field: 'init', type: 'nominal', title: 'setting', scale: { domain, scheme: domain.length <= 10 ? 'tableau10' : 'tableau20' }, legend: legendTop(domain.length) };
}

/** Measured c_l per layer (points, ± one standard error) beside the mean-field c-map's trajectory (dashed), a panel per series. */
export function correlationChart(rows: readonly CorrelationRow[]): TopLevelSpec {
  const inits = sortLabels(rows.map((r) => r.init));
  const x = { field: 'layer', type: 'quantitative', title: 'layer l', axis: { tickMinStep: 1, format: 'd' } };
  const y = { field: 'value', type: 'quantitative', title: 'correlation c_l', scale: { zero: false } };
  const color = seriesColor(inits);
  const tooltip = [
    { field: 'init', title: 'setting' }, { field: 'depth', title: 'depth' }, { field: 'layer', title: 'layer' }, { field: 'series', title: 'series' },
    { field: 'value', title: 'c_l', format: NUM }, { field: 'lo', title: '− 1 se', format: NUM }, { field: 'hi', title: '+ 1 se', format: NUM }, { field: 'seeds', title: 'seeds' },
  ];
  const values = rows.map((r) => ({ ...r, panel: r.init }));
  const width = 200;
  return facetOrLayer({
    title: 'Correlation between paired inputs, layer by layer',
    subtitle: 'Points: measured (mean over seeds, bars ± 1 standard error); dashed: the mean-field c-map from the same input correlation. Ordered nets pull c_l to 1, chaotic ones to c* < 1.',
    values,
    panels: inits,
    layer: [
      { transform: [{ filter: "datum.series === 'theory'" }], mark: { type: 'line', strokeWidth: 1.4 }, encoding: { x, y, color, strokeDash: DASH, tooltip } },
      { transform: [{ filter: "datum.series === 'measured' && isValid(datum.lo)" }], mark: { type: 'rule' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, tooltip } },
      { transform: [{ filter: "datum.series === 'measured'" }], mark: { type: 'point', filled: true, size: 22 }, encoding: { x, y, color, tooltip } },
    ],
    width,
    height: 150,
    columns: fitColumns(inits.length, width, 50, 4),
  });
}

/** ξ_c against σ_w² per (activation, σ_b²) panel: theory's −1/ln χ_c as a line (diverging at the critical σ_w², grey rule), the fitted ξ_c as points ± 1 se. */
export function xiChart(rows: readonly XiRow[], crit: readonly { panel: string; sigmaW2: number }[]): TopLevelSpec {
  const panels = sortLabels(rows.map((r) => r.panel));
  const x = { field: 'sigmaW2', type: 'quantitative', title: 'σ_w²', scale: { zero: false } };
  const y = { field: 'xi', type: 'quantitative', title: 'ξ_c (layers)', scale: { type: 'log' }, axis: LOG_AXIS };
  const tooltip = [
    { field: 'init', title: 'setting' }, { field: 'sigmaW2', title: 'σ_w²', format: '.4~g' }, { field: 'series', title: 'series' },
    { field: 'xi', title: 'ξ_c', format: NUM }, { field: 'lo', title: '− 1 se', format: NUM }, { field: 'hi', title: '+ 1 se', format: NUM },
  ];
  const values = [...rows, ...crit.map((c) => ({ panel: c.panel, sigmaW2: c.sigmaW2, series: 'critical' }))];
  return facetOrLayer({
    title: 'Correlation depth scale ξ_c against σ_w²',
    subtitle: `Line: theory, −1/ln χ_c (infinite at the critical σ_w², grey rule, where χ₁ = 1; drawn up to ${XI_CAP}). Points: ξ_c fitted to the decay of |c_l − c*| over layers, ± 1 standard error.`,
    values,
    panels,
    layer: [
      { transform: [{ filter: "datum.series === 'critical'" }], mark: { type: 'rule', color: '#999', strokeDash: [3, 3] }, encoding: { x, tooltip: [{ field: 'sigmaW2', title: 'critical σ_w²', format: '.4~g' }] } },
      { transform: [{ filter: "datum.series === 'theory'" }], mark: { type: 'line', color: '#333', strokeDash: [5, 3], strokeWidth: 1.4 }, encoding: { x, y, tooltip } },
      { transform: [{ filter: "datum.series === 'measured' && isValid(datum.lo)" }], mark: { type: 'rule', color: '#d62728' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, tooltip } },
      { transform: [{ filter: "datum.series === 'measured'" }], mark: { type: 'point', filled: true, size: 40, color: '#d62728' }, encoding: { x, y, tooltip } },
    ],
    width: 380,
    height: 220,
  });
}

/** Moments of the eigenvalues s² of JJᵀ against depth (log–log), measured (± 1 se) and theory (dashed), a panel per moment. */
export function jacobianMomentsChart(rows: readonly JacobianMomentRow[]): TopLevelSpec {
  const inits = sortLabels(rows.map((r) => r.init));
  const color = seriesColor(inits);
  const x = { field: 'depth', type: 'quantitative', title: 'depth (conv layers)', scale: { type: 'log' } };
  const y = { field: 'value', type: 'quantitative', title: 'moment', scale: { type: 'log' }, axis: LOG_AXIS };
  const tooltip = [
    { field: 'init', title: 'setting' }, { field: 'depth', title: 'depth' }, { field: 'stat', title: 'moment' }, { field: 'series', title: 'series' },
    { field: 'value', title: 'value', format: NUM }, { field: 'lo', title: '− 1 se', format: NUM }, { field: 'hi', title: '+ 1 se', format: NUM },
    { field: 'method', title: 'method' }, { field: 'seeds', title: 'seeds' },
  ];
  const values = rows.map((r) => ({ ...r, panel: r.stat }));
  return facetOrLayer({
    title: 'Jacobian spectrum at init: moments of s² against depth',
    subtitle: 'The mean and variance of the eigenvalues s² of JJᵀ (J the input–output Jacobian), mean over seeds ± 1 se; dashed: free-probability theory (Pennington et al. 2017). A variance that stays flat with depth is dynamical isometry.',
    values,
    panels: ['mean of s²', 'variance of s²'].filter((p) => rows.some((r) => r.stat === p)),
    layer: [
      { transform: [{ filter: "datum.series === 'theory'" }], mark: { type: 'line', strokeWidth: 1.4 }, encoding: { x, y, color, strokeDash: DASH, tooltip } },
      { transform: [{ filter: "datum.series === 'measured'" }], mark: { type: 'line', strokeWidth: 1 }, encoding: { x, y, color, strokeDash: DASH, tooltip } },
      { transform: [{ filter: "datum.series === 'measured' && isValid(datum.lo) && datum.lo > 0" }], mark: { type: 'rule' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, tooltip } },
      { transform: [{ filter: "datum.series === 'measured'" }], mark: { type: 'point', filled: true, size: 36 }, encoding: { x, y, color, tooltip } },
    ],
    width: 330,
    height: 200,
  });
}

/** The histogram of s² (log-spaced bins, log axis) per depth where the probe kept every singular value; a line per series. */
export function jacobianHistogramChart(rows: readonly JacobianHistRow[]): TopLevelSpec {
  const inits = sortLabels(rows.map((r) => r.init));
  const color = seriesColor(inits);
  const depths = [...new Set(rows.map((r) => r.depth))].sort((a, b) => a - b);
  const values = rows.map((r) => ({ ...r, panel: `depth ${r.depth}`, mid: Math.sqrt(r.s2lo * r.s2hi) }));
  const tooltip = [
    { field: 'init', title: 'setting' }, { field: 'depth', title: 'depth' },
    { field: 's2lo', title: 's² from', format: NUM }, { field: 's2hi', title: 's² to', format: NUM }, { field: 'share', title: 'share', format: '.1%' },
  ];
  return facetOrLayer({
    title: 'Jacobian spectrum at init: histogram of s²',
    subtitle: 'The share of the eigenvalues s² of JJᵀ in each log-spaced bin, a panel per depth. Isometry is a spike at one s²; a spectrum that spreads over decades with depth is not.',
    values,
    panels: depths.map((d) => `depth ${d}`),
    layer: [
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'mid', type: 'quantitative', title: 's² (eigenvalue of JJᵀ)', scale: { type: 'log' }, axis: LOG_AXIS },
          y: { field: 'share', type: 'quantitative', title: 'share of eigenvalues', axis: { format: '%' } },
          color,
          tooltip,
        },
      },
    ],
    width: 240,
    height: 160,
    columns: fitColumns(depths.length, 240, 50, 3),
  });
}

/**
 * Final accuracy over (σ_w², depth), a rect per cell (depth on a log axis), cells where most runs did not
 * learn outlined in red; the fitted trainable depth m·ξ_c(σ_w²) (solid) and the paper's 6ξ_c (dashed).
 */
export function phaseDiagramChart(cells: readonly PhaseCell[], curve: readonly PhaseCurvePoint[], fits: readonly PhaseFit[]): TopLevelSpec {
  const panels = sortLabels(cells.map((c) => c.panel));
  const x = { field: 'x0', type: 'quantitative', title: 'σ_w²', scale: { zero: false, nice: false } };
  const y = { field: 'y0', type: 'quantitative', title: 'depth (conv layers)', scale: { type: 'log', nice: false } };
  const tooltip = [
    { field: 'sigmaW2', title: 'σ_w²', format: '.4~g' }, { field: 'depth', title: 'depth' }, { field: 'accuracy', title: 'final accuracy (median)', format: '.1%' },
    { field: 'learned', title: 'runs that learned' }, { field: 'runs', title: 'runs' }, { field: 'xi', title: 'ξ_c (theory)', format: NUM },
  ];
  const fitText = fits.map((f) => `${panels.length > 1 ? `${f.panel}: ` : ''}${f.text}.`);
  const values = [...cells.map((c) => ({ ...c, kind: 'cell' })), ...curve.map((p) => ({ ...p, kind: 'curve' }))];
  const curveEnc = {
    x: { field: 'sigmaW2', type: 'quantitative' },
    y: { field: 'depth', type: 'quantitative' },
    strokeDash: { field: 'series', type: 'nominal', title: 'trainable depth', scale: { domain: ['fitted', 'paper'], range: [[1, 0], [6, 4]] }, legend: { ...LEGEND_TOP, symbolType: 'stroke', symbolStrokeColor: '#333', labelExpr: "datum.label === 'fitted' ? 'fitted m·ξ_c' : 'paper: 6 ξ_c'" } },
    tooltip: [{ field: 'series', title: 'curve' }, { field: 'sigmaW2', title: 'σ_w²', format: '.4~g' }, { field: 'depth', title: 'depth', format: '.3~g' }],
  };
  return facetOrLayer({
    title: 'Phase diagram: what trains, over σ_w² and depth',
    subtitle: [
      'Each cell: median final held-out accuracy over its seeds; red outline: most of its runs did not learn. Lines: the trainable depth m·ξ_c(σ_w²) that best separates the cells (solid) and Schoenholz et al.’s 6 ξ_c (dashed), capped at the top.',
      ...fitText,
    ],
    values,
    panels,
    layer: [
      {
        transform: [{ filter: "datum.kind === 'cell'" }],
        mark: { type: 'rect' },
        encoding: {
          x, x2: { field: 'x1' }, y, y2: { field: 'y1' },
          color: { field: 'accuracy', type: 'quantitative', title: 'final accuracy', scale: { domain: [0, 1], scheme: 'viridis' }, legend: { format: '%', orient: 'top', direction: 'horizontal', titleLimit: 200 } },
          tooltip,
        },
      },
      {
        transform: [{ filter: "datum.kind === 'cell' && !datum.trains" }],
        mark: { type: 'rect', filled: false, stroke: '#d62728', strokeWidth: 2 },
        encoding: { x, x2: { field: 'x1' }, y, y2: { field: 'y1' }, tooltip },
      },
      { transform: [{ filter: "datum.kind === 'curve'" }], mark: { type: 'line', color: 'white', strokeWidth: 2.2, clip: true }, encoding: curveEnc },
    ],
    width: 420,
    height: 280,
  });
}

/**
 * The theory card's phase diagram for one or more activations: ξ_c over (σ_w², σ_b²) in bands (filled
 * contours), the χ₁ = 1 line, and the suite's settings as points.
 */
export function theoryPhaseChart(grid: readonly TheoryGridCell[], boundary: readonly { activation: string; sigmaB2: number; sigmaW2: number }[], points: readonly TheoryPoint[]): TopLevelSpec {
  const panels = sortLabels(grid.map((g) => g.activation));
  const values = [
    ...grid.map((g) => ({ ...g, panel: g.activation, kind: 'grid', xiBand: Math.min(g.xiC, 1e4) })),
    ...boundary.map((b) => ({ ...b, panel: b.activation, kind: 'boundary' })),
    ...points.map((p) => ({ ...p, panel: p.activation, kind: 'point' })),
  ];
  const x = { field: 'w0', type: 'quantitative', title: 'σ_w²', scale: { nice: false } };
  const y = { field: 'b0', type: 'quantitative', title: 'σ_b²', scale: { nice: false } };
  const tooltipGrid = [{ field: 'sigmaW2', title: 'σ_w²', format: '.3~g' }, { field: 'sigmaB2', title: 'σ_b²', format: '.3~g' }, { field: 'xiC', title: 'ξ_c', format: NUM }];
  return facetOrLayer({
    title: 'Theory: the order-to-chaos phase diagram',
    subtitle: 'Colour: the correlation depth scale ξ_c = −1/ln χ_c in bands; black line: χ₁ = 1 (ordered to its left, chaotic to its right), where ξ_c diverges. Points: this suite’s settings.',
    values,
    panels,
    layer: [
      {
        transform: [{ filter: "datum.kind === 'grid'" }],
        mark: { type: 'rect' },
        encoding: {
          x, x2: { field: 'w1' }, y, y2: { field: 'b1' },
          color: { field: 'xiBand', type: 'quantitative', title: 'ξ_c (layers)', scale: { type: 'threshold', domain: [2, 5, 10, 20, 50, 100], scheme: 'blues' }, legend: { orient: 'top', direction: 'horizontal', titleLimit: 200 } },
          tooltip: tooltipGrid,
        },
      },
      {
        transform: [{ filter: "datum.kind === 'boundary'" }],
        mark: { type: 'line', color: 'black', strokeWidth: 2 },
        encoding: { x: { field: 'sigmaW2', type: 'quantitative' }, y: { field: 'sigmaB2', type: 'quantitative' }, order: { field: 'sigmaB2' }, tooltip: [{ field: 'sigmaB2', title: 'σ_b²', format: '.3~g' }, { field: 'sigmaW2', title: 'critical σ_w²', format: '.4~g' }] },
      },
      {
        transform: [{ filter: "datum.kind === 'point'" }],
        mark: { type: 'point', filled: true, size: 70, color: '#d62728', stroke: 'white', strokeWidth: 1 },
        encoding: {
          x: { field: 'sigmaW2', type: 'quantitative' }, y: { field: 'sigmaB2', type: 'quantitative' },
          shape: { field: 'init', type: 'nominal', title: 'initializer', legend: legendTop(new Set(points.map((p) => p.init)).size) },
          tooltip: [{ field: 'init', title: 'initializer' }, { field: 'sigmaW2', title: 'σ_w²', format: '.4~g' }, { field: 'sigmaB2', title: 'σ_b²', format: '.3~g' }],
        },
      },
    ],
    width: 380,
    height: 200,
  });
}
