/** The check table for a terminal: op / case / backend / max abs / max rel / verdict, details under failures. */
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

/** Largest max-abs / max-rel per backend and op family (conv2d, dense, relu, …, model.*). */
export function maxErrors(rows: readonly CheckRow[]): Record<string, Record<string, { maxAbs: number; maxRel: number }>> {
  const out: Record<string, Record<string, { maxAbs: number; maxRel: number }>> = {};
  for (const r of rows) {
    if (r.maxAbs === null || r.maxRel === null || !Number.isFinite(r.maxAbs)) continue;
    const family = r.op.startsWith('model.') ? r.op.split('.').slice(0, 3).join('.') : r.op.split('.')[0]!;
    const b = (out[r.backend] ??= {});
    const cur = (b[family] ??= { maxAbs: 0, maxRel: 0 });
    cur.maxAbs = Math.max(cur.maxAbs, r.maxAbs);
    cur.maxRel = Math.max(cur.maxRel, r.maxRel);
  }
  return out;
}
