/**
 * Reading the on-disk results format (see store.ts for the files and how they are written).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';
import { MANIFEST_FILE, RUNS_FILE, SAMPLES_FILE } from './store.ts';
import { suiteHistory } from './versions.ts';

/** DIR/samples.json, or none when it is absent or unreadable (a dir without data runs has none; writers rewrite it whole). */
export function readSamples(dir: string): DataSamples[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SAMPLES_FILE), 'utf8')) as DataSamples[];
  } catch {
    return [];
  }
}

/** Reads DIR/manifest.json; InputError if missing or unreadable. */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: no manifest; is ${dir} a results dir written by \`initbench run\`?`, { file });
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (m.formatVersion !== 1 || !Array.isArray(m.plan)) throw new Error('not a version-1 manifest');
    return m;
  } catch (e) {
    throw new InputError(`${file}: not a readable manifest (${(e as Error).message})`, { file });
  }
}

export interface ParsedRuns {
  records: RunRecord[];
  warnings: string[];
}

/**
 * Parses runs.jsonl text. A truncated last line (no newline and not valid JSON) is a warning with
 * its line number; any other unparsable line is also skipped with a warning.
 */
export function parseRuns(text: string, file: string): ParsedRuns {
  const records: RunRecord[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  const endsClean = text.length === 0 || text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const last = i === lines.length - 1;
    try {
      const r = JSON.parse(line) as RunRecord;
      if (typeof r !== 'object' || r === null || typeof r.id !== 'string' || typeof r.status !== 'string') {
        throw new Error('not a run record');
      }
      records.push(r);
    } catch {
      warnings.push(
        last && !endsClean
          ? `${file}: line ${i + 1} is truncated (an interrupted write); skipped it, ${records.length} records read`
          : `${file}: line ${i + 1} is not a run record; skipped it`,
      );
    }
  }
  return { records, warnings };
}

/** Reads DIR/runs.jsonl; an absent file is no records. */
export function readRuns(dir: string): ParsedRuns {
  const file = path.join(dir, RUNS_FILE);
  if (!fs.existsSync(file)) return { records: [], warnings: [] };
  return parseRuns(fs.readFileSync(file, 'utf8'), file);
}

export interface ReadResultsOptions {
  /** accept records whose suite hash differs from the manifest's (hand-concatenated dirs) */
  allowMixed?: boolean;
}

/**
 * Reads a results dir for a report: the manifest, the records (the last record of each id wins, so a
 * failed run retried on resume shows its retry; records no longer planned come last, see splitByPlan),
 * and warnings (truncated last line with its number). No runs → InputError; records of another suite
 * file than the dir's suite versions → InputError unless allowMixed.
 */
export async function readResults(
  dir: string,
  opts: ReadResultsOptions = {},
): Promise<{ manifest: Manifest; records: RunRecord[]; warnings: string[] }> {
  const manifest = readManifest(dir);
  const { records: all, warnings } = readRuns(dir);
  if (all.length === 0) {
    throw new InputError(
      `${path.join(dir, RUNS_FILE)}: no runs recorded yet; run \`initbench run ${manifest.suite.file} --out ${dir}\``,
      { file: path.join(dir, RUNS_FILE) },
    );
  }
  const hashes = new Map<string, number>();
  for (const r of all) {
    const h = r.suiteHash ?? manifest.suite.hash;
    hashes.set(h, (hashes.get(h) ?? 0) + 1);
  }
  // every version of the dir's suite (an edited file) is its own; only other files' records are foreign
  const versions = new Set(suiteHistory(manifest).map((v) => v.hash));
  const foreign = [...hashes.keys()].filter((h) => !versions.has(h));
  if (foreign.length > 0) {
    const msg = `${dir}: records from ${hashes.size} different suite files (sha256 ${[...hashes.keys()].map((h) => h.slice(0, 12)).join(', ')}; the manifest's is ${manifest.suite.hash.slice(0, 12)})`;
    if (opts.allowMixed !== true) throw new InputError(`${msg}; refusing to mix them (pass --allow-mixed to read them anyway)`);
    warnings.push(`${msg}; reading them all (--allow-mixed)`);
  }
  const byId = new Map<string, RunRecord>();
  for (const r of all) byId.set(r.id, r);
  // plan order first, then anything outside the plan in file order
  const order = new Map(manifest.plan.map((r, i) => [r.id, i]));
  const rank = (r: RunRecord, i: number) => order.get(r.id) ?? manifest.plan.length + i;
  const records = [...byId.values()]
    .map((r, i) => ({ r, k: rank(r, i) }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.r);
  return { manifest, records, warnings };
}
