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
import { inputError } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';
import { parseRuns } from './read.ts';

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

export function manifestExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST_FILE));
}

/** --out must be a directory or not exist yet (an existing file would fail only after work started). */
export function assertOutIsDir(out: string): void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) {
    throw inputError({ flag: 'out', expected: 'a results directory (or a path to create one at)', got: out, hint: 'that is an existing file' });
  }
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
