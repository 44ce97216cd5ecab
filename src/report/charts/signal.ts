/**
 * Signal-propagation plots (Brock et al. 2021): per layer, the post-activation's average channel
 * squared mean and average channel variance, and in residual nets the residual branch's variance.
 * All three are squared activations, so they share one log axis: a panel per setting, a line style
 * per statistic, a colour per initializer.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SignalRow, SignalStat } from '../rows-probe.ts';
import { SIGNAL_STAT_TITLES } from '../rows-probe.ts';
import { panelOrder } from '../rows.ts';
import { sortLabels } from '../util.ts';
import { pointLayers } from './layers.ts';
import { facetOrLayer, hlOpacity, initColor, legendTop, LOG_AXIS, PICK_PARAM, SCI } from './common.ts';

const DASHES: Record<SignalStat, number[]> = { variance: [1, 0], sqMean: [4, 3], branch: [1, 2] };

export function signalChart(rows: readonly SignalRow[], stats: readonly SignalStat[], opts: { inits?: readonly string[] } = {}): TopLevelSpec {
  const drawn = rows.map((r) => r.init);
  const color = initColor(opts.inits ?? sortLabels(drawn), drawn);
  const values = rows.map((r) => ({ ...r, statistic: SIGNAL_STAT_TITLES[r.stat] }));
  const x = { field: 'layer', type: 'quantitative', title: 'layer (1 = first conv)', axis: { tickMinStep: 1, format: 'd' } };
  const y = { field: 'value', type: 'quantitative', title: 'per channel, averaged', scale: { type: 'log' }, axis: LOG_AXIS };
  const order = ['variance', 'sqMean', 'branch'].filter((s) => stats.includes(s as SignalStat)) as SignalStat[];
  const dash = {
    field: 'statistic', type: 'nominal', title: 'statistic',
    scale: { domain: order.map((s) => SIGNAL_STAT_TITLES[s]), range: order.map((s) => DASHES[s]) }, legend: legendTop(order.length),
  };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    ...(rows.some((r) => r.tag !== '') ? [{ field: 'tag', title: 'activation' }] : []),
    { field: 'statistic', title: 'statistic' },
    { field: 'layer', title: 'layer' },
    { field: 'value', title: 'median over seeds', format: SCI },
    { field: 'lo', title: 'min over seeds', format: SCI },
    { field: 'hi', title: 'max over seeds', format: SCI },
    { field: 'seeds', title: 'seeds' },
  ];
  return facetOrLayer({
    title: 'Signal propagation (Brock et al. 2021)',
    subtitle: [
      `Per layer, over the channels of the post-activation: ${order.map((s) => SIGNAL_STAT_TITLES[s]).join(', ')}; line: median over seeds, band: min–max.`,
      'A squared mean that climbs towards the variance, or a variance that drifts with depth, is what breaks deep unnormalized nets.',
    ],
    values,
    panels: panelOrder(values),
    layer: [
      { mark: { type: 'area' }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color, detail: [{ field: 'tag' }, { field: 'stat' }], opacity: hlOpacity(0.12, 0.02), tooltip } },
      {
        params: [PICK_PARAM],
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: { x, y, color, detail: { field: 'tag' }, strokeDash: dash, opacity: hlOpacity(1), tooltip },
      },
      ...pointLayers(x, y, color, tooltip, values, "datum.stat === 'variance'"),
    ],
    width: 240,
    height: 170,
    resolve: { scale: { y: 'independent' } },
  });
}
