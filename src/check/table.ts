/** The check tables for a terminal: every row (op / case / backend / max abs / max rel / verdict, details under failures), or the summary per op family and backend. */
import type { CheckRow } from '../core/types.ts';
import { fmt } from './compare.ts';

export function counts(rows: readonly CheckRow[]): { passed: number; failed: number; skipped: number } {
  let passed = 0, failed = 0, skipped = 0;
  for (const r of rows) {
    if (r.verdict === 'pass') passed++;
    else if (r.verdict === 'skip') skipped++;
    else failed++;
  }
  return { passed, failed, skipped };
}

export function formatTable(rows: readonly CheckRow[], opts: { onlyProblems?: boolean } = {}): string {
  const shown = opts.onlyProblems === true ? rows.filter((r) => r.verdict !== 'pass') : rows;
  const cells = shown.map((r) => [r.op, r.case, r.backend, r.maxAbs === null ? '-' : fmt(r.maxAbs), r.maxRel === null ? '-' : fmt(r.maxRel), r.verdict]);
  const head = ['op', 'case', 'backend', 'max abs', 'max rel', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i === 3 || i === 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  shown.forEach((r, i) => {
    out.push(line(cells[i]!));
    if (r.verdict !== 'pass' && r.detail !== null) out.push(`    ${r.detail}`);
  });
  return out.join('\n') + '\n';
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

const e1 = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : String(v));

/** The summary as a table: one line per op family and backend. */
export function formatSummary(rows: readonly CheckRow[]): string {
  const head = ['family', 'backend', 'cases', 'failed', 'skipped', 'max abs (atol)', 'max rel (rtol)'];
  const worst = (w: Worst | null): string => (w === null ? '-' : `${e1(w.err)} (${e1(w.tol)})`);
  const cells = summarize(rows).map((s) => [s.family, s.backend, String(s.cases), String(s.failed), String(s.skipped), worst(s.abs), worst(s.rel)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  // names left, numbers right
  const line = (c: string[]): string => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}
