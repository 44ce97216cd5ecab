/**
 * Merging results dirs (`initbench merge DIR… --out DIR`): the union of shard outputs of one suite. Refuses dirs of
 * different suite files (sha256) or a --quick shard among full ones. For an id recorded in several
 * dirs, a non-failed record wins over a failed one, then the later dir wins.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';
import { canonicalJson } from '../core/canonical.ts';
import { RUNS_FILE, assertOutIsDir, manifestExists, writeFileAtomic, writeManifest, writeSamples } from './store.ts';
import { readManifest, readRuns, readSamples } from './read.ts';

export interface MergeResult {
  out: string;
  records: number;
  planned: number;
  missing: number;
  warnings: string[];
}

export function mergeResults(dirs: string[], out: string): MergeResult {
  if (dirs.length === 0) throw new InputError('merge: expected one or more results dirs, got none');
  const manifests = dirs.map((d) => readManifest(d));
  const first = manifests[0]!;
  manifests.forEach((m, i) => {
    if (m.suite.hash !== first.suite.hash || (m.quick === true) !== (first.quick === true)) {
      throw new InputError(
        `${dirs[i]}: results of ${m.suite.file} (sha256 ${m.suite.hash.slice(0, 12)}${m.quick === true ? ', --quick' : ''}) ` +
          `cannot merge with ${dirs[0]}: ${first.suite.file} (sha256 ${first.suite.hash.slice(0, 12)}${first.quick === true ? ', --quick' : ''}); ` +
          'merge only shards of the same suite file',
      );
    }
  });
  assertOutIsDir(out);
  if (manifestExists(out) && !dirs.map((d) => path.resolve(d)).includes(path.resolve(out))) {
    const m = readManifest(out);
    if (m.suite.hash !== first.suite.hash) {
      throw new InputError(`--out ${out}: holds results of another suite (${m.suite.file}); choose another --out`, { flag: 'out' });
    }
  }
  const warnings: string[] = [];
  const byId = new Map<string, RunRecord>();
  for (const d of dirs) {
    const { records, warnings: w } = readRuns(d);
    warnings.push(...w);
    for (const r of records) {
      const had = byId.get(r.id);
      if (had !== undefined && had.status !== 'failed' && r.status === 'failed') continue;
      byId.set(r.id, r);
    }
  }
  const samples = new Map<string, DataSamples>();
  for (const d of dirs) for (const s of readSamples(d)) samples.set(canonicalJson(s.data), s);
  const order = first.plan.map((r) => r.id);
  const planned = new Set(order);
  const records = [...order.filter((id) => byId.has(id)).map((id) => byId.get(id)!), ...[...byId.values()].filter((r) => !planned.has(r.id))];

  const { shard: _shard, ...rest } = first;
  const manifest: Manifest = {
    ...rest,
    startedAt: manifests.map((m) => m.startedAt).sort()[0]!,
    mergedFrom: dirs,
  };
  fs.mkdirSync(out, { recursive: true });
  // one atomic file write: a merge interrupted midway leaves the old runs.jsonl, not half a new one
  writeFileAtomic(path.join(out, RUNS_FILE), records.map((r) => JSON.stringify(r) + '\n').join(''));
  if (samples.size > 0) writeSamples(out, [...samples.values()]);
  writeManifest(out, manifest);
  const missing = order.filter((id) => !byId.has(id)).length;
  return { out, records: records.length, planned: order.length, missing, warnings };
}
