/**
 * Merging results dirs (`initbench merge DIR… --out DIR`) joins them: --out ends up with the union, by
 * run id, of the records it held and those of every DIR.
 *
 * - One suite only, known by its name as in run: shards run from suite files that differ in bytes (another
 *   checkout, an edit) merge; a DIR, or an --out already holding results, of another suite name, or
 *   --quick among full runs, is refused (suiteMismatch is the one place that decides).
 * - Suite versions: the merged history is the inputs' histories combined (combineHistories), and the
 *   merged suite and plan are those of its last version, the newest current version among the inputs.
 *   Records of ids that plan does not hold stay in runs.jsonl and are counted as no longer planned, as
 *   after editing a suite (splitByPlan).
 * - Records of one id: a record is a function of its spec, apart from when and how long it ran
 *   (startedAt, wallMs, train.wallMs, train.imagesPerSec, train.timeToTargetMs) and which version of
 *   the suite file planned it (suiteHash). Records equal but for those are duplicates and collapse into
 *   the first (--out's own, then the DIRs in the order given). Records that differ in anything else
 *   (status, probe, train, backend, spec) conflict: an InputError naming both files and lines and the
 *   first field that differs, and nothing is written. A failed record is no result: any other record
 *   of its id wins over it, and of failed ones only the last is kept (as on resume).
 * - --out is locked for the whole merge. Its files are each replaced atomically, the manifest first,
 *   so an error at any point leaves every record --out held.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError, describeValue } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';
import { canonicalJson } from '../core/canonical.ts';
import { parseRuns, readManifest, readRuns, readSamples } from './read.ts';
import { MANIFEST_FILE, RUNS_FILE, SAMPLES_FILE, manifestFile, runsFile, samplesFile } from './paths.ts';
import { assertOutIsDir, manifestExists, writeFileAtomic } from './store.ts';
import { acquireLock, activeLock, describeHolder } from './lock.ts';
import { combineHistories, splitByPlan, suiteHistory } from './versions.ts';

export interface MergeResult {
  out: string;
  records: number;
  planned: number;
  missing: number;
  /** records of ids the merged plan no longer holds: kept in runs.jsonl, left out of the report */
  stale: number;
  /** records --out held before the merge (0 for a new --out) */
  had: number;
  /** records that were identical duplicates of one kept, or failed runs another record replaced */
  collapsed: number;
  warnings: string[];
}

/**
 * Why `held` (the dir `m` came from) cannot merge with `other` (the dir `o` came from), ending with `todo`;
 * null when both hold one suite. As in run, a suite is known by its name, and --quick and full runs of it
 * plan different runs, so they keep separate dirs.
 */
function suiteMismatch(held: string, m: Manifest, other: string, o: Manifest, todo: string): string | null {
  const of = (x: Manifest) => `suite "${x.suite.name}" (${x.suite.file})`;
  if (m.suite.name !== o.suite.name) {
    return `${held}: holds results of ${of(m)}, not of ${of(o)}, which ${other} holds; a results dir holds one suite, known by its name: ${todo}`;
  }
  if ((m.quick === true) !== (o.quick === true)) {
    const kind = (quick: boolean) => (quick ? 'a --quick run' : 'a full run (without --quick)');
    return (
      `${held}: holds ${kind(m.quick === true)} of ${of(m)}, and ${other} ${kind(o.quick === true)} of it (${o.suite.file}); ` +
      `--quick and full runs plan different runs and keep separate dirs: ${todo}`
    );
  }
  return null;
}

/** A record with where it was read: DIR/runs.jsonl */
interface Sourced {
  rec: RunRecord;
  file: string;
}

export function mergeResults(dirs: string[], out: string): MergeResult {
  if (dirs.length === 0) throw new InputError('merge: expected one or more results dirs, got none');
  const manifests = dirs.map((d) => readManifest(d));
  manifests.forEach((m, i) => {
    const why = suiteMismatch(dirs[i]!, m, dirs[0]!, manifests[0]!, 'merge the dirs of each into its own --out');
    if (why !== null) throw new InputError(why, { file: manifestFile(dirs[i]!) });
  });
  assertOutIsDir(out);

  const lock = acquireLock(out, `initbench merge ${dirs.join(' ')} --out ${out}`);
  try {
    return mergeLocked(dirs, manifests, out, lock.tookOver);
  } finally {
    lock.release();
  }
}

function mergeLocked(dirs: string[], manifests: Manifest[], out: string, tookOver: string | null): MergeResult {
  const warnings: string[] = tookOver === null ? [] : [tookOver];
  const outResolved = path.resolve(out);
  let outManifest: Manifest | null = null;
  if (manifestExists(out)) {
    outManifest = readManifest(out);
    const why = suiteMismatch(`--out ${out}`, outManifest, dirs[0]!, manifests[0]!, 'choose another --out');
    if (why !== null) throw new InputError(why, { flag: 'out' });
  } else {
    // records without a manifest are not ours to overwrite
    for (const [f, file] of [[RUNS_FILE, runsFile(out)], [SAMPLES_FILE, samplesFile(out)]]) {
      if (fs.existsSync(file)) {
        throw new InputError(`--out ${out}: holds ${f} but no ${MANIFEST_FILE}, so not a results dir initbench can merge into; choose another --out`, { flag: 'out' });
      }
    }
  }
  // --out first, so its records stay what they were; a DIR named twice (or --out itself) is read once
  const sources = [...new Map([...(outManifest !== null ? [out] : []), ...dirs].map((d) => [path.resolve(d), d])).values()];
  for (const d of dirs) {
    const holder = path.resolve(d) === outResolved ? null : activeLock(d);
    if (holder !== null) warnings.push(`${d}: still being written by ${describeHolder(holder)}; merged the records it holds so far`);
  }

  const byId = new Map<string, Sourced>();
  const order: string[] = [];
  let collapsed = 0;
  let had = 0;
  for (const d of sources) {
    const file = runsFile(d);
    const { records, warnings: w } = readRuns(d);
    warnings.push(...w);
    if (path.resolve(d) === outResolved) had = new Set(records.map((r) => r.id)).size;
    for (const rec of records) {
      const kept = byId.get(rec.id);
      if (kept === undefined) {
        byId.set(rec.id, { rec, file });
        order.push(rec.id);
        continue;
      }
      collapsed++;
      if (rec.status === 'failed') {
        if (kept.rec.status === 'failed') byId.set(rec.id, { rec, file });
      } else if (kept.rec.status === 'failed') {
        byId.set(rec.id, { rec, file });
      } else {
        const diff = firstDifference(resultOf(kept.rec), resultOf(rec));
        if (diff !== null) throw conflict(rec.id, kept, { rec, file }, diff);
      }
    }
  }

  const samples = new Map<string, DataSamples>();
  for (const d of sources) {
    for (const s of readSamples(d, { warn: (w) => void warnings.push(w) })) if (!samples.has(canonicalJson(s.data))) samples.set(canonicalJson(s.data), s);
  }

  // the newest version plans; of the inputs at that version, --out's manifest is kept, then the first DIR's
  const inputs = [...(outManifest !== null ? [outManifest] : []), ...manifests];
  const history = combineHistories(inputs.map(suiteHistory));
  const newest = history.at(-1)!.hash;
  const base = inputs.find((m) => suiteHistory(m).at(-1)!.hash === newest)!;
  const planOrder = base.plan.map((r) => r.id);
  const planned = new Set(planOrder);
  const records = [...planOrder.filter((id) => byId.has(id)), ...order.filter((id) => !planned.has(id))].map((id) => byId.get(id)!.rec);
  const { shard: _shard, ...rest } = base;
  const mergedFrom = [...new Set([...(outManifest?.mergedFrom ?? []), ...dirs.filter((d) => path.resolve(d) !== outResolved)])];
  const manifest: Manifest = {
    ...rest,
    startedAt: inputs.map((m) => m.startedAt).sort()[0]!,
    mergedFrom,
    history,
  };

  // manifest first: a merge stopped after it leaves --out's records as they were, and a rerun completes it
  writeIfChanged(manifestFile(out), JSON.stringify(manifest, null, 1) + '\n');
  if (samples.size > 0) writeIfChanged(samplesFile(out), JSON.stringify([...samples.values()]) + '\n');
  writeIfChanged(runsFile(out), records.map((r) => JSON.stringify(r) + '\n').join(''));
  const missing = planOrder.filter((id) => !byId.has(id)).length;
  const { current, stale } = splitByPlan(manifest, records);
  return { out, records: current.length, planned: planOrder.length, missing, stale, had, collapsed, warnings };
}

/** Replaces FILE atomically, unless it already holds exactly `text` (a merge that adds nothing writes nothing). */
function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  writeFileAtomic(file, text);
}

/** What a record says about its run: all of it but when and how long it ran, and which suite version planned it. */
function resultOf(r: RunRecord): unknown {
  const { startedAt: _t, wallMs: _w, suiteHash: _h, ...rest } = r;
  if (rest.train === null) return rest;
  return { ...rest, train: { ...rest.train, wallMs: undefined, imagesPerSec: undefined, timeToTargetMs: undefined } };
}

/** The first JSON path at which a and b differ, with both values (e.g. `probe.layers[2].pre.variance: 0.5 vs 0.25`), or null. */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}: ${a.length} vs ${b.length} entries`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== null) return d;
    }
  } else if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(a[k], b[k], at === '' ? k : `${at}.${k}`);
      if (d !== null) return d;
    }
  }
  return `${at}: ${describeValue(a)} vs ${describeValue(b)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function conflict(id: string, a: Sourced, b: Sourced, diff: string): InputError {
  return new InputError(
    `merge: run ${id} has two different results, ${where(a)} and ${where(b)} (${diff}); ` +
      'they should be equal (only times may differ): delete the line you do not trust and merge again',
    { file: b.file },
  );
}

/** FILE:LINE of a record, found again only for this message (the readers keep no line numbers). */
function where(s: Sourced): string {
  const want = canonicalJson(s.rec);
  const lines = fs.readFileSync(s.file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(JSON.stringify(s.rec.id)) && parseRuns(l, s.file).records.some((r) => canonicalJson(r) === want));
  return i < 0 ? s.file : `${s.file}:${i + 1}`;
}
