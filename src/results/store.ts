/**
 * The on-disk results format, the only thing a report reads:
 *   DIR/runs.jsonl     one complete JSON line per RunRecord, appended with a single write on an
 *                      O_APPEND fd, then fsync — a crash can leave at most a truncated last line,
 *                      which readers report and writers cut off before appending again
 *   DIR/manifest.json  the suite as given, its sha256, the plan, the environment; written tmp+rename
 *   DIR/samples.json   a few images of each data set the plan uses (written by the runner)
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError, inputError } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';

export const RUNS_FILE = 'runs.jsonl';
export const MANIFEST_FILE = 'manifest.json';
export const SAMPLES_FILE = 'samples.json';

/** Writes a file atomically: a temp file in the same dir, fsynced, renamed over the target. */
export function writeFileAtomic(file: string, data: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(m, null, 1) + '\n');
}

export function writeSamples(dir: string, samples: DataSamples[]): void {
  writeFileAtomic(path.join(dir, SAMPLES_FILE), JSON.stringify(samples) + '\n');
}

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

export function manifestExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST_FILE));
}

/** --out must be a directory or not exist yet (an existing file would fail only after work started). */
export function assertOutIsDir(out: string): void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) {
    throw inputError({ flag: 'out', expected: 'a results directory (or a path to create one at)', got: out, hint: 'that is an existing file' });
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

/**
 * Appends records to DIR/runs.jsonl, one line per record, each a single write then fsync.
 * Opening cuts a truncated last line (left by a killed writer) so the next line starts clean.
 */
export class RunsWriter {
  private fd: number;
  readonly file: string;
  /** the bytes of a truncated last line that opening removed, if any */
  readonly repaired: number;

  constructor(dir: string, opts: { fresh?: boolean } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, RUNS_FILE);
    this.repaired = opts.fresh === true ? 0 : cutPartialTail(this.file);
    this.fd = fs.openSync(this.file, opts.fresh === true ? 'w' : 'a');
    if (opts.fresh === true) {
      fs.closeSync(this.fd);
      this.fd = fs.openSync(this.file, 'a');
    }
  }

  append(rec: RunRecord): void {
    const buf = Buffer.from(JSON.stringify(rec) + '\n', 'utf8');
    // O_APPEND: the kernel positions each write at the end, so concurrent writers never interleave
    const n = fs.writeSync(this.fd, buf, 0, buf.length);
    if (n !== buf.length) throw new Error(`${this.file}: short write (${n} of ${buf.length} bytes)`);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * Truncates the file after its last newline; returns how many bytes were cut. A last line that lacks
 * only its newline but reads as a record (parseRuns counts it, so resume skips its run) is kept and
 * given its newline instead.
 */
function cutPartialTail(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const size = fs.statSync(file).size;
  if (size === 0) return 0;
  const fd = fs.openSync(file, 'r+');
  try {
    // scan back in chunks for the last '\n'
    const chunk = Buffer.alloc(65536);
    let keep = 0;
    for (let end = size; end > 0 && keep === 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, n).lastIndexOf(10);
      if (at >= 0) keep = start + at + 1;
      end = start;
    }
    if (keep === size) return 0;
    const tail = Buffer.alloc(size - keep);
    fs.readSync(fd, tail, 0, tail.length, keep);
    if (parseRuns(tail.toString('utf8'), file).records.length === 1) {
      fs.writeSync(fd, '\n', size);
      return 0;
    }
    fs.ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    fs.closeSync(fd);
  }
}

export interface ReadResultsOptions {
  /** accept records whose suite hash differs from the manifest's (hand-concatenated dirs) */
  allowMixed?: boolean;
}

/**
 * Reads a results dir for a report: the manifest, the records (the last record of each id wins, so a
 * failed run retried on resume shows its retry), and warnings (truncated last line with its number,
 * records outside the plan). No runs → InputError; records of another suite → InputError unless
 * allowMixed.
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
  const foreign = [...hashes.keys()].filter((h) => h !== manifest.suite.hash);
  if (foreign.length > 0) {
    const msg = `${dir}: records from ${hashes.size} different suite files (sha256 ${[...hashes.keys()].map((h) => h.slice(0, 12)).join(', ')}; the manifest's is ${manifest.suite.hash.slice(0, 12)})`;
    if (opts.allowMixed !== true) throw new InputError(`${msg}; refusing to mix them (pass --allow-mixed to read them anyway)`);
    warnings.push(`${msg}; reading them all (--allow-mixed)`);
  }
  const byId = new Map<string, RunRecord>();
  for (const r of all) byId.set(r.id, r);
  const planned = new Set(manifest.plan.map((r) => r.id));
  const outside = [...byId.keys()].filter((id) => !planned.has(id));
  if (outside.length > 0 && foreign.length === 0) {
    warnings.push(`${dir}: ${outside.length} records are not in the manifest's plan (e.g. ${outside[0]})`);
  }
  // plan order first, then anything outside the plan in file order
  const order = new Map(manifest.plan.map((r, i) => [r.id, i]));
  const rank = (r: RunRecord, i: number) => order.get(r.id) ?? manifest.plan.length + i;
  const records = [...byId.values()]
    .map((r, i) => ({ r, k: rank(r, i) }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.r);
  return { manifest, records, warnings };
}
