/** Initializer audit: measured / nominal weight variance per initializer with its CI; deviations in red. */
import type { TopLevelSpec } from 'vega-lite';
import type { InitAuditRow } from '../../core/types.ts';
import { CONFIG, HL_PARAM, hlOpacity, LEGEND_TOP, SCHEMA } from './common.ts';

export interface AuditPoint {
  /** e.g. "he-normal [3,3,64,64]" */
  label: string;
  init: string;
  family: 'initbench' | 'tfjs';
  shape: string;
  ratio: number;
  ciLo: number;
  ciHi: number;
  nominalVariance: number;
  measuredVariance: number;
  samples: number;
  ciMethod: string;
  verdict: 'ok' | 'deviates';
}

export function auditPoints(rows: readonly InitAuditRow[]): AuditPoint[] {
  return rows
    .filter((r) => r.nominalVariance > 0)
    .map((r) => ({
      label: `${r.init} [${r.shape.join('×')}]`,
      init: r.init,
      family: r.init.startsWith('tfjs:') ? ('tfjs' as const) : ('initbench' as const),
      shape: r.shape.join('×'),
      ratio: r.ratio,
      ciLo: r.ci[0] / r.nominalVariance,
      ciHi: r.ci[1] / r.nominalVariance,
      nominalVariance: r.nominalVariance,
      measuredVariance: r.measuredVariance,
      samples: r.samples,
      ciMethod: r.ciMethod,
      verdict: r.verdict,
    }));
}

export function auditChart(points: readonly AuditPoint[]): TopLevelSpec {
  const y = { field: 'label', type: 'nominal', title: 'initializer [weight shape]', sort: null, axis: { labelLimit: 260 } };
  const x = { field: 'ratio', type: 'quantitative', title: 'measured / nominal variance', scale: { zero: false }, axis: { tickCount: 6 } };
  const tooltip = [
    { field: 'init', title: 'initializer' },
    { field: 'shape', title: 'shape' },
    { field: 'nominalVariance', title: 'nominal variance', format: '.4~g' },
    { field: 'measuredVariance', title: 'measured variance', format: '.4~g' },
    { field: 'ratio', title: 'ratio', format: '.4f' },
    { field: 'ciLo', title: 'CI low (ratio)', format: '.4f' },
    { field: 'ciHi', title: 'CI high (ratio)', format: '.4f' },
    { field: 'ciMethod', title: 'CI method' },
    { field: 'samples', title: 'samples' },
    { field: 'verdict', title: 'verdict' },
  ];
  const verdicts = (['ok', 'deviates'] as const).filter((v) => points.some((p) => p.verdict === v));
  const verdictColor = { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: verdicts, range: verdicts.map((v) => (v === 'ok' ? '#4c78a8' : '#d62728')) }, legend: LEGEND_TOP };
  const families = (['initbench', 'tfjs'] as const).filter((f) => points.some((p) => p.family === f));
  return {
    $schema: SCHEMA,
    title: { text: 'Initializer audit: does each initializer deliver its nominal variance?', subtitle: 'Point: measured/nominal; bar: confidence interval; dashed: 1 (exact). Red: the CI excludes 1.' },
    data: { values: points },
    params: [HL_PARAM],
    config: CONFIG,
    width: 420,
    height: { step: 18 },
    layer: [
      {
        // A single reference rule at ratio 1 (aggregate to one datum so it is drawn once).
        transform: [{ aggregate: [{ op: 'count', as: 'rows' }] }, { calculate: '1', as: 'nominal' }],
        mark: { type: 'rule', strokeDash: [4, 3], color: '#666' },
        encoding: { x: { field: 'nominal', type: 'quantitative' }, tooltip: [{ field: 'nominal', title: 'nominal ratio' }] },
      },
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: 'ciLo', type: 'quantitative' }, x2: { field: 'ciHi' }, color: verdictColor, opacity: hlOpacity(1), tooltip } },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          y, x, color: verdictColor, opacity: hlOpacity(1), tooltip,
          shape: { field: 'family', type: 'nominal', title: 'implementation', scale: { domain: families, range: families.map((f) => (f === 'initbench' ? 'circle' : 'diamond')) }, legend: LEGEND_TOP },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
