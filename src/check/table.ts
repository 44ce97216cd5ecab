/** Check rows as data for a terminal (cli/commands/check.ts formats them): pass/fail counts, the summary per op family and backend. */
import type { CheckRow } from '../core/types.ts';

export function counts(rows: readonly CheckRow[]): { passed: number; failed: number; skipped: number } {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of rows) {
    if (r.verdict === 'pass') passed++;
    else if (r.verdict === 'skip') skipped++;
    else failed++;
  }
  return { passed, failed, skipped };
}

/** An op's family: 'conv2d' for conv2d.grad.w, 'model.plain12' for every stage of that model case. */
export function familyOf(op: string): string {
  const parts = op.split('.');
  return parts[0] === 'model' ? parts.slice(0, 2).join('.') : parts[0]!;
}

/** err / tol, the share of the tolerance an error uses (a zero tolerance is used up by any error). */
function share(err: number, tol: number): number {
  return tol > 0 ? err / tol : err > 0 ? Infinity : 0;
}

interface Worst {
  err: number;
  tol: number;
}

export interface SummaryRow {
  family: string;
  backend: string;
  cases: number;
  failed: number;
  skipped: number;
  /** over the family's compared cases, the max abs error that used most of its case's atol, and that atol */
  abs: Worst | null;
  /** likewise max rel against rtol */
  rel: Worst | null;
}

/** Per op family and backend, in the order the rows came: case counts and the worst error against tolerance. */
export function summarize(rows: readonly CheckRow[]): SummaryRow[] {
  const out = new Map<string, SummaryRow>();
  for (const r of rows) {
    const key = `${familyOf(r.op)}\u0000${r.backend}`;
    let s = out.get(key);
    if (s === undefined) {
      s = { family: familyOf(r.op), backend: r.backend, cases: 0, failed: 0, skipped: 0, abs: null, rel: null };
      out.set(key, s);
    }
    s.cases++;
    if (r.verdict === 'skip') s.skipped++;
    else if (r.verdict !== 'pass') s.failed++;
    if (r.maxAbs !== null && (s.abs === null || share(r.maxAbs, r.atol) > share(s.abs.err, s.abs.tol))) s.abs = { err: r.maxAbs, tol: r.atol };
    if (r.maxRel !== null && (s.rel === null || share(r.maxRel, r.rtol) > share(s.rel.err, s.rel.tol))) s.rel = { err: r.maxRel, tol: r.rtol };
  }
  return [...out.values()];
}
