/** Cross-check table: op × backend → worst relative error and verdict, from `initbench check`. */
import type { TopLevelSpec } from 'vega-lite';
import type { CheckRow } from '../../core/types.ts';
import { groupBy } from '../util.ts';
import { SCHEMA } from './common.ts';

export interface CheckCell {
  op: string;
  backend: string;
  cases: number;
  failing: number;
  maxAbs: number | null;
  maxRel: number | null;
  verdict: CheckRow['verdict'];
  /** cell text: the worst relative error, or the verdict */
  label: string;
}

const SEVERITY: Record<CheckRow['verdict'], number> = { skip: 0, pass: 1, fail: 2, error: 3 };

export function checkCells(rows: readonly CheckRow[]): CheckCell[] {
  const cells: CheckCell[] = [];
  for (const g of groupBy(rows, (r) => `${r.op}\u0000${r.backend}`).values()) {
    const worst = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
      return v.length === 0 ? null : Math.max(...v);
    };
    const verdict = g.reduce<CheckRow['verdict']>((v, r) => (SEVERITY[r.verdict] > SEVERITY[v] ? r.verdict : v), g[0]!.verdict);
    const maxRel = worst(g.map((r) => r.maxRel));
    cells.push({
      op: g[0]!.op,
      backend: g[0]!.backend,
      cases: g.length,
      failing: g.filter((r) => r.verdict === 'fail' || r.verdict === 'error').length,
      maxAbs: worst(g.map((r) => r.maxAbs)),
      maxRel,
      verdict,
      label: verdict === 'skip' || verdict === 'error' ? verdict : maxRel === null ? verdict : maxRel === 0 ? '0 (exact)' : maxRel.toExponential(1),
    });
  }
  return cells;
}

export function checkChart(cells: readonly CheckCell[]): TopLevelSpec {
  // Group ops by family (conv2d, dense, model.plain12…), forward first, in first-seen order.
  const seen = [...new Set(cells.map((c) => c.op))];
  const family = (op: string) => op.replace(/\.(forward|grad\..*|pre|post|loss|grad|sgd\d*)$/, '');
  const famOrder = [...new Set(seen.map(family))];
  const ops = [...seen].sort((a, b) => famOrder.indexOf(family(a)) - famOrder.indexOf(family(b)) || Number(!a.endsWith('.forward')) - Number(!b.endsWith('.forward')) || seen.indexOf(a) - seen.indexOf(b));
  const backends = [...new Set(cells.map((c) => c.backend))];
  const x = { field: 'backend', type: 'nominal', title: 'backend', sort: backends, axis: { orient: 'top', labelAngle: 0 } };
  const y = { field: 'op', type: 'nominal', title: 'op', sort: ops, axis: { labelLimit: 260 } };
  const tooltip = [
    { field: 'op', title: 'op' },
    { field: 'backend', title: 'backend' },
    { field: 'verdict', title: 'verdict' },
    { field: 'cases', title: 'cases' },
    { field: 'failing', title: 'failing cases' },
    { field: 'maxAbs', title: 'max abs error', format: '.2e' },
    { field: 'maxRel', title: 'max rel error', format: '.2e' },
  ];
  return {
    $schema: SCHEMA,
    title: { text: 'Cross-check: tfjs vs the float64 reference', subtitle: 'Cell: worst relative error over the cases of an op; colour: worst verdict.' },
    data: { values: cells },
    width: { step: 110 },
    height: { step: 24 },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white' },
        encoding: {
          x,
          y,
          color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: ['pass', 'fail', 'error', 'skip'], range: ['#9fd49a', '#e45756', '#8b0000', '#d0d0d0'] } },
          tooltip,
        },
      },
      { mark: { type: 'text', fontSize: 11 }, encoding: { x, y, text: { field: 'label' }, tooltip } },
    ],
  } as unknown as TopLevelSpec;
}
