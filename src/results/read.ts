/**
 * Reading the on-disk results format (paths.ts says where each file is, store.ts how it is written).
 * Nothing read is cast: every record, the manifest and each side file is validated against its schema
 * (schema.ts). A bad runs.jsonl line is named (file:line and the first problem) and skipped, the rest is
 * read; a bad side file is a warning and left out; a bad manifest is an InputError (nothing can be
 * read without its plan).
 */
import fs from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { InputError, describeValue } from '../core/errors.ts';
import type { CheckReport, DataSamples, InitAuditRow, Manifest, RunRecord } from '../core/types.ts';
import { manifestFile, runsFile, samplesFile } from './paths.ts';
import {
  CheckReportSchema, DataSamplesSchema, InitAuditRowSchema, ManifestSchema, check, checkRecord, newerMessage, versionOf,
} from './schema.ts';
import { suiteHistory } from './versions.ts';

/** Where readers send what they skipped: one line each, naming the file. */
export type Warn = (message: string) => void;
/** The readers' default Warn. */
export const warnOnStderr: Warn = (message) => {
  process.stderr.write(`initbench: warning: ${message}\n`);
};

/** A runs.jsonl line that is not a record this initbench can read. */
export interface BadLine {
  /** 1-based */
  line: number;
  /** the first problem: `not JSON (…)`, `spec.arch.depth: expected integer, got "x"`, a newer formatVersion */
  why: string;
  /** the run id, when the line is an object with a string `id` (so a runner can run it again) */
  id?: string;
}

export interface ParsedRuns {
  records: RunRecord[];
  bad: BadLine[];
  /** one per bad line: `FILE:LINE: why; skipped it` */
  warnings: string[];
}

/**
 * Parses runs.jsonl text: each line is checked against the record schema (a line without formatVersion
 * is version 1). A bad line is skipped and named; a truncated last line (no newline, not JSON) is the
 * trace of an interrupted write.
 */
export function parseRuns(text: string, file: string): ParsedRuns {
  const records: RunRecord[] = [];
  const bad: BadLine[] = [];
  const lines = text.split('\n');
  const endsClean = text.length === 0 || text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      const truncated = i === lines.length - 1 && !endsClean;
      bad.push({ line: i + 1, why: truncated ? 'truncated (an interrupted write)' : `not JSON (${(e as Error).message})` });
      continue;
    }
    const c = checkRecord(value);
    if (c.ok) {
      records.push(c.value);
      continue;
    }
    const id = (value as { id?: unknown } | null)?.id;
    bad.push({ line: i + 1, why: c.why, ...(typeof id === 'string' ? { id } : {}) });
  }
  return { records, bad, warnings: bad.map((b) => `${file}:${b.line}: ${b.why}; skipped it`) };
}

/** Reads DIR/runs.jsonl; an absent file is no records. */
export function readRuns(dir: string): ParsedRuns {
  const file = runsFile(dir);
  if (!fs.existsSync(file)) return { records: [], bad: [], warnings: [] };
  return parseRuns(fs.readFileSync(file, 'utf8'), file);
}

/** Reads DIR/manifest.json, validated; InputError (file, JSON path, what was expected) if it cannot be read. */
export function readManifest(dir: string): Manifest {
  const file = manifestFile(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`${file}: no manifest; is ${dir} a results dir written by \`initbench run\`?`, { file });
    }
    throw new InputError(`${file}: cannot read the manifest (${(e as Error).message})`, { file });
  }
  const r = checkVersioned(ManifestSchema, parseJson(text, file), 'a manifest');
  if (!r.ok) throw new InputError(`${file}: ${r.why}`, { file });
  return r.value;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
}

/** A file whose top level carries formatVersion (absent: 1), checked against its schema. */
function checkVersioned<S extends TSchema>(schema: S, value: unknown, what: string) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false as const, why: `expected ${what} (an object), got ${describeValue(value)}` };
  }
  const { version, newer } = versionOf(value);
  if (newer) return { ok: false as const, why: newerMessage(version) };
  return check(schema, { formatVersion: version, ...value });
}

export interface SideFileOptions {
  warn?: Warn;
}

/** The JSON in `file`; undefined when it is absent (no warning) or unreadable (a warning). */
function readSideJson(file: string, warn: Warn): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn(`${file}: cannot read it (${(e as Error).message}); left out`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    warn(`${file}: not valid JSON (${(e as Error).message}); left out`);
    return undefined;
  }
}

/** The valid elements of a side file that is a JSON array (version 1 of samples.json and init-stats.json). */
function readSideArray<S extends TSchema>(file: string, schema: S, what: string, warn: Warn) {
  const value = readSideJson(file, warn);
  if (value === undefined) return null;
  if (!Array.isArray(value)) {
    const { version, newer } = versionOf(value);
    warn(`${file}: ${newer ? newerMessage(version) : `expected an array of ${what}, got ${describeValue(value)}`}; left out`);
    return null;
  }
  return value.flatMap((v, i) => {
    const c = check(schema, v, `/${i}`);
    if (c.ok) return [c.value];
    warn(`${file}: ${c.why}; left out that ${what}`);
    return [];
  });
}

/** DIR/samples.json, the valid entries; none when absent (a dir without data runs has none). */
export function readSamples(dir: string, opts: SideFileOptions = {}): DataSamples[] {
  return readSideArray(samplesFile(dir), DataSamplesSchema, 'data sample set', opts.warn ?? warnOnStderr) ?? [];
}

/** `initbench check`'s output; null when absent, or unreadable (a warning). */
export function readCheckReport(file: string, opts: SideFileOptions = {}): CheckReport | null {
  const value = readSideJson(file, opts.warn ?? warnOnStderr);
  if (value === undefined) return null;
  const c = checkVersioned(CheckReportSchema, value, 'a check report');
  if (c.ok) return c.value;
  (opts.warn ?? warnOnStderr)(`${file}: ${c.why}; left out`);
  return null;
}

/** `initbench init-stats --all --json`'s rows, the valid ones; null when absent or unreadable (a warning). */
export function readInitStats(file: string, opts: SideFileOptions = {}): InitAuditRow[] | null {
  return readSideArray(file, InitAuditRowSchema, 'init-stats row', opts.warn ?? warnOnStderr);
}

export interface ReadResultsOptions {
  /** accept records whose suite hash differs from the manifest's (hand-concatenated dirs) */
  allowMixed?: boolean;
}

/**
 * Reads a results dir for a report: the manifest, the records (the last record of each id wins, so a
 * failed run retried on resume shows its retry; records no longer planned come last, see splitByPlan),
 * and warnings (each bad line, named). No readable runs → InputError; records of another suite file
 * than the dir's suite versions → InputError unless allowMixed.
 */
export async function readResults(
  dir: string,
  opts: ReadResultsOptions = {},
): Promise<{ manifest: Manifest; records: RunRecord[]; warnings: string[] }> {
  const manifest = readManifest(dir);
  const { records: all, bad, warnings } = readRuns(dir);
  if (all.length === 0) {
    const file = runsFile(dir);
    throw new InputError(
      bad.length > 0
        ? `${file}: no readable run records (${bad.length} bad lines; line ${bad[0]!.line}: ${bad[0]!.why})`
        : `${file}: no runs recorded yet; run \`initbench run ${manifest.suite.file} --out ${dir}\``,
      { file },
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
