/**
 * A results dir across edits of its suite file, make-like. A dir holds one suite, known by its `name`
 * (not its path or bytes: shards of one suite run from different checkouts). Run ids are content
 * hashes of the normalized spec, so a record whose id is still planned stays valid after any edit;
 * records no longer planned stay on disk, out of the report, until pruned.
 */
import fs from 'node:fs';
import type { Manifest, SuiteVersion } from '../core/types.ts';
import { runsFile } from './paths.ts';
import { writeFileAtomic } from './store.ts';

/** The dir's suite versions, oldest first; a manifest written before history existed is one version. */
export function suiteHistory(m: Manifest): SuiteVersion[] {
  return m.history ?? [{ hash: m.suite.hash, file: m.suite.file, time: m.startedAt, runsAdded: m.plan.length, planned: m.plan.length }];
}

/**
 * The suite versions of several dirs of one suite as one history, as if their runs had gone into one dir
 * in time order (the run rule: a version is appended when its sha256 differs from the last one). Each
 * list keeps its own order and the lists interleave by time (ISO UTC, so compared as strings; a tie goes
 * to the list given first). So one version in many shards is one entry, at its first time, and the last
 * entry is the current version of the dir whose current version arrived last.
 */
export function combineHistories(histories: readonly (readonly SuiteVersion[])[]): SuiteVersion[] {
  const next = histories.map(() => 0);
  const combined: SuiteVersion[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < histories.length; i++) {
      const v = histories[i]![next[i]!];
      if (v !== undefined && (pick < 0 || v.time < histories[pick]![next[pick]!]!.time)) pick = i;
    }
    if (pick < 0) return combined;
    const v = histories[pick]![next[pick]!++]!;
    if (combined.at(-1)?.hash !== v.hash) combined.push(v);
  }
}

/** Records of the manifest's current plan, and how many others (no longer planned) were left out. */
export function splitByPlan<R extends { id: string }>(m: Manifest, records: readonly R[]): { current: R[]; stale: number } {
  const planned = new Set(m.plan.map((r) => r.id));
  const current = records.filter((r) => planned.has(r.id));
  return { current, stale: records.length - current.length };
}

/**
 * Removes the lines of DIR/runs.jsonl whose record id is not in `planned`, in one atomic rewrite; every
 * other line (an unreadable one, a truncated tail) is kept verbatim. Writes nothing when none goes.
 */
export function pruneRuns(dir: string, planned: ReadonlySet<string>): { runs: number; lines: number } {
  const file = runsFile(dir);
  if (!fs.existsSync(file)) return { runs: 0, lines: 0 };
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const gone = new Set<string>();
  const kept = lines.filter((line) => {
    const id = recordId(line);
    if (id === null || planned.has(id)) return true;
    gone.add(id);
    return false;
  });
  const removed = lines.length - kept.length;
  if (removed > 0) writeFileAtomic(file, kept.join('\n'));
  return { runs: gone.size, lines: removed };
}

/** The id of a line that reads as a record, else null (such lines are the readers' to report). */
function recordId(line: string): string | null {
  try {
    const r = JSON.parse(line) as unknown;
    return typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' ? (r as { id: string }).id : null;
  } catch {
    return null;
  }
}
