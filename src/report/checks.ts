/**
 * The cross-check (`initbench check`) as a compact summary: per op family and backend the counts of
 * each verdict and the worst error against its tolerance; failures listed in full, passes folded away.
 */
import type { CheckReport, CheckRow } from '../core/types.ts';
import { escapeHtml, fmt, groupBy } from './util.ts';

/** 'conv2d.grad.w' → 'conv2d', 'model.plain10.grads' → 'model.plain10'. */
export function opFamily(op: string): string {
  return op.replace(/\.(forward|grad\..*|pre|post|loss|grads?|sgd\d*)$/, '');
}

/** Worst relative error over the tolerance's relative part (entries judged relatively; see check/compare.ts). */
function relOverTol(r: CheckRow): number | null {
  return r.maxRel === null || !Number.isFinite(r.maxRel) || !(r.rtol > 0) ? null : r.maxRel / r.rtol;
}

export interface CheckSummaryRow {
  family: string;
  backend: string;
  cases: number;
  pass: number;
  fail: number;
  error: number;
  skip: number;
  /** the largest maxRel/rtol among the family's cases on this backend (≤ 1 is within tolerance) */
  worst: number | null;
  /** the op and case of that worst error */
  worstAt: string;
}

export function checkSummary(rows: readonly CheckRow[]): CheckSummaryRow[] {
  const out: CheckSummaryRow[] = [];
  for (const g of groupBy(rows, (r) => `${opFamily(r.op)}\u0000${r.backend}`).values()) {
    let worst: number | null = null;
    let worstAt = '';
    for (const r of g) {
      const w = relOverTol(r);
      if (w !== null && (worst === null || w > worst)) {
        worst = w;
        worstAt = `${r.op} ${r.case}`;
      }
    }
    const n = (v: CheckRow['verdict']) => g.filter((r) => r.verdict === v).length;
    out.push({ family: opFamily(g[0]!.op), backend: g[0]!.backend, cases: g.length, pass: n('pass'), fail: n('fail'), error: n('error'), skip: n('skip'), worst, worstAt });
  }
  return out;
}

const bad = (r: CheckRow) => r.verdict === 'fail' || r.verdict === 'error';
/** A count, or nothing for 0 (the table reads faster without columns of zeros). */
const blank = (n: number) => (n > 0 ? String(n) : '');

/** The cross-check section: the summary table, the failures in full, the passing ops folded. */
export function checkSummaryHtml(check: CheckReport): string {
  const rows = checkSummary(check.rows);
  const failing = check.rows.filter(bad);
  const backends = [...new Set(check.rows.map((r) => r.backend))];
  const head = '<tr><th>op family</th><th>backend</th><th>cases</th><th>pass</th><th>fail</th><th>error</th><th>skip</th><th title="max over cases of max relative error ÷ rtol; ≤ 1 is within tolerance">worst error ÷ tolerance</th></tr>';
  const body = rows
    .map((r) => {
      const cls = r.fail + r.error > 0 ? ' class="bad"' : '';
      const worst = r.worst === null ? '–' : `<span title="${escapeHtml(r.worstAt)}">${escapeHtml(fmt(r.worst))}</span>`;
      return `<tr${cls}><td>${escapeHtml(r.family)}</td><td>${escapeHtml(r.backend)}</td><td>${r.cases}</td><td>${r.pass}</td><td>${blank(r.fail)}</td><td>${blank(r.error)}</td><td>${blank(r.skip)}</td><td>${worst}</td></tr>`;
    })
    .join('');
  const failures = failing.length === 0
    ? '<p class="holds">Every case is within tolerance on every backend.</p>'
    : `<h3>Failures (${failing.length})</h3><table class="grid"><tr><th>op</th><th>backend</th><th>case</th><th>verdict</th><th>max rel. error</th><th>rtol</th><th>detail</th></tr>${failing
        .map((r) => `<tr><td>${escapeHtml(r.op)}</td><td>${escapeHtml(r.backend)}</td><td><code>${escapeHtml(r.case)}</code></td><td class="not">${escapeHtml(r.verdict)}</td><td>${escapeHtml(fmt(r.maxRel))}</td><td>${escapeHtml(fmt(r.rtol))}</td><td>${escapeHtml(r.detail ?? '')}</td></tr>`)
        .join('')}</table>`;
  const passingOps = [...groupBy(check.rows.filter((r) => r.verdict === 'pass'), (r) => `${r.op}\u0000${r.backend}`).values()];
  const passes = passingOps.length === 0
    ? ''
    : `<details><summary>Passing ops (${passingOps.length} op × backend pairs, ${check.rows.filter((r) => r.verdict === 'pass').length} cases)</summary><table class="grid"><tr><th>op</th><th>backend</th><th>cases</th><th>worst error ÷ tolerance</th></tr>${passingOps
        .map((g) => {
          const w = Math.max(...g.map((r) => relOverTol(r) ?? 0));
          return `<tr><td>${escapeHtml(g[0]!.op)}</td><td>${escapeHtml(g[0]!.backend)}</td><td>${g.length}</td><td>${escapeHtml(fmt(w))}</td></tr>`;
        })
        .join('')}</table></details>`;
  return `<section id="sec-cross-check"><h2>Cross-check vs the float64 reference</h2>
<p class="note">How to read: each row is a family of ops on one backend, checked against our float64 engine; an entry passes when |tfjs − reference| ≤ atol + rtol·|reference|. ${escapeHtml(`${check.rows.length} cases on ${backends.join(', ')}: ${check.rows.length - failing.length} within tolerance, ${failing.length} not.`)}</p>
<table class="grid">${head}${body}</table>${failures}${passes}</section>`;
}
