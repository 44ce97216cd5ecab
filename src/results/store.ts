/**
 * Writing the on-disk results format, the only thing a report reads (paths.ts says where each file is):
 *   DIR/runs.jsonl     one complete JSON line per RunRecord, appended on an O_APPEND fd, then fsync;
 *                      a failed write (a full disk) is cut back off, and a crash can leave at most a
 *                      truncated last line, which readers report and writers cut off before appending
 *   DIR/manifest.json  the suite as given, its sha256, the plan, the environment; written tmp+rename
 *   DIR/samples.json   a few images of each data set the plan uses (written by the runner)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DiskFullError, inputError } from '../core/errors.ts';
import type { DataSamples, Manifest, RunRecord } from '../core/types.ts';
import { parseRuns } from './read.ts';
import { manifestFile, resultsRootOf, rootMarker, runsFile, samplesFile } from './paths.ts';

/** The fs calls the writers make; tests pass one that writes short or fails (the default is node:fs). */
export interface FileIo {
  openSync(file: string, flags: string): number;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  fstatSync(fd: number): { size: number };
  ftruncateSync(fd: number, len: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(file: string, opts: { force: boolean }): void;
}

/** A write may take fewer bytes than asked (a nearly full disk does this): write the rest until all are in. */
function writeAll(io: FileIo, fd: number, buf: Uint8Array, position: number | null, file: string): void {
  for (let off = 0; off < buf.length; ) {
    const n = io.writeSync(fd, buf, off, buf.length - off, position === null ? null : position + off);
    // a regular file takes ≥ 1 byte per write or fails with an errno; 0 would loop forever
    if (n <= 0) throw new Error(`${file}: a write took no bytes (${off} of ${buf.length} written)`);
    off += n;
  }
}

/** ENOSPC/EDQUOT as the one-line DiskFullError naming the file and the bytes it needed; other errors as they are. */
function diskFull(e: unknown, file: string, bytes: number): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new DiskFullError(file, bytes, code) : e;
}

/**
 * Writes a file atomically: every byte into a temp file in the same dir, fsync, rename over the
 * target. On any error the temp file is removed and the target keeps what it held.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, io: FileIo = fs): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // random part: two processes writing one file never share a temp file
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | null = null;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = io.openSync(tmp, 'wx');
    writeAll(io, fd, buf, 0, file);
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = null;
    io.renameSync(tmp, file);
  } catch (e) {
    try {
      if (fd !== null) io.closeSync(fd);
    } finally {
      io.rmSync(tmp, { force: true });
    }
    throw diskFull(e, file, buf.length);
  }
}

export function writeManifest(dir: string, m: Manifest): void {
  writeFileAtomic(manifestFile(dir), JSON.stringify(m, null, 1) + '\n');
}

export function writeSamples(dir: string, samples: DataSamples[]): void {
  writeFileAtomic(samplesFile(dir), JSON.stringify(samples) + '\n');
}

export function manifestExists(dir: string): boolean {
  return fs.existsSync(manifestFile(dir));
}

/**
 * Creates the results dir DIR. A results root (DIR's parent) that does not exist yet is initbench's
 * own: it gets the marker, which lets the report write ROOT/index.html. A root that already existed
 * is the user's and stays unmarked (the repository ships results/ with its marker).
 */
export function makeResultsDir(dir: string): void {
  const root = resultsRootOf(dir);
  const rootIsNew = !fs.existsSync(root);
  fs.mkdirSync(dir, { recursive: true });
  if (rootIsNew) writeFileAtomic(rootMarker(root), 'initbench made this results root; it writes index.html here.\n');
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
  private fd: number | null;
  private readonly io: FileIo;
  readonly file: string;
  /** the bytes of a truncated last line that opening removed, if any */
  readonly repaired: number;

  constructor(dir: string, opts: { fresh?: boolean; io?: FileIo } = {}) {
    fs.mkdirSync(dir, { recursive: true });
    this.io = opts.io ?? fs;
    this.file = runsFile(dir);
    this.repaired = opts.fresh === true ? 0 : cutPartialTail(this.file);
    this.fd = fs.openSync(this.file, opts.fresh === true ? 'w' : 'a');
    if (opts.fresh === true) {
      fs.closeSync(this.fd);
      this.fd = fs.openSync(this.file, 'a');
    }
  }

  /** Appends the whole line or nothing: a failed write is cut back off, so no partial line stays. */
  append(rec: RunRecord): void {
    // a closed fd number may already belong to another file
    if (this.fd === null) throw new Error(`${this.file}: append after close`);
    const buf = Buffer.from(JSON.stringify(rec) + '\n', 'utf8');
    const before = this.io.fstatSync(this.fd).size;
    try {
      // O_APPEND: each write lands at the end, so the pieces of a short write stay in order
      writeAll(this.io, this.fd, buf, null, this.file);
      this.io.fsyncSync(this.fd);
    } catch (e) {
      this.io.ftruncateSync(this.fd, before);
      throw diskFull(e, this.file, buf.length);
    }
  }

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
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
      try {
        writeAll(fs, fd, Buffer.from('\n'), size, file);
      } catch (e) {
        throw diskFull(e, file, 1);
      }
      return 0;
    }
    fs.ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    fs.closeSync(fd);
  }
}
