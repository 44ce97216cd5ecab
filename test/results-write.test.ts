/**
 * Writing the results format when the disk runs out: every byte or nothing, the old file kept, no
 * temp files, "no space left on device: PATH (needed N bytes)" and exit 1. First with injected short
 * and failing writes, then for real on a small tmpfs through the CLI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskFullError } from '../src/core/errors.ts';
import type { RunRecord } from '../src/core/types.ts';
import { RunsWriter, writeFileAtomic, type FileIo } from '../src/results/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-write-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (): string => fs.mkdtempSync(path.join(root, `t${seq++}-`));
const tmpFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** node:fs, but each write takes at most `max` bytes, and after `failAfter` bytes in all the writes fail with `code`. */
function shortIo(max: number, failAfter = Infinity, code = 'ENOSPC'): FileIo & { writes: number } {
  let written = 0;
  const io = {
    ...fs,
    writes: 0,
    writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number {
      io.writes++;
      const room = failAfter - written;
      if (room <= 0) throw errno(code);
      const n = fs.writeSync(fd, buf, offset, Math.min(length, max, room), position);
      written += n;
      return n;
    },
  };
  return io;
}

/** A record to append (the writer does not read it back, so its spec can be a stub). */
function record(id: string, pad = 0): RunRecord {
  return {
    formatVersion: 1, id, suiteHash: 'h', backend: 'cpu', startedAt: '2026-01-01T00:00:00.000Z', wallMs: 1, status: 'failed', probe: null, train: null,
    error: { message: 'x'.repeat(pad), stack: null, kind: 'exception' },
    spec: { id } as RunRecord['spec'],
  };
}

describe('writeFileAtomic with injected short writes', () => {
  it('a write that takes 7 bytes at a time: it loops until the whole file is in', () => {
    const file = path.join(fresh(), 'manifest.json');
    const data = JSON.stringify({ text: 'ünïcode '.repeat(100) });
    const io = shortIo(7);
    writeFileAtomic(file, data, io);
    expect(fs.readFileSync(file, 'utf8')).toBe(data);
    expect(io.writes).toBe(Math.ceil(Buffer.byteLength(data) / 7));
    expect(tmpFiles(path.dirname(file))).toEqual([]);
  });

  it('ENOSPC after a short write: the old file is untouched, no .tmp is left, DiskFullError names the file and the bytes', () => {
    const dir = fresh();
    const file = path.join(dir, 'runs.jsonl');
    fs.writeFileSync(file, 'the complete old file\n');
    const data = 'y'.repeat(5000);
    let err: unknown;
    try {
      writeFileAtomic(file, data, shortIo(1000, 3000));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiskFullError);
    expect((err as Error).message).toBe(`no space left on device: ${file} (needed 5000 bytes)`);
    expect(fs.readFileSync(file, 'utf8')).toBe('the complete old file\n');
    expect(tmpFiles(dir)).toEqual([]);
  });

  it('EDQUOT says the quota ran out; any other write error is rethrown as it is, also without a .tmp', () => {
    const dir = fresh();
    const file = path.join(dir, 'samples.json');
    expect(() => writeFileAtomic(file, 'abc', shortIo(1, 1, 'EDQUOT'))).toThrow(`disk quota exceeded: ${file} (needed 3 bytes)`);
    expect(() => writeFileAtomic(file, 'abc', shortIo(1, 0, 'EIO'))).toThrow('EIO: injected');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a failing fsync or rename also removes the temp file and keeps the old one', () => {
    const dir = fresh();
    const file = path.join(dir, 'manifest.json');
    fs.writeFileSync(file, 'old');
    expect(() => writeFileAtomic(file, 'new', { ...fs, fsyncSync: () => { throw errno('ENOSPC'); } })).toThrow(DiskFullError);
    expect(() => writeFileAtomic(file, 'new', { ...fs, renameSync: () => { throw errno('EXDEV'); } })).toThrow('EXDEV');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['manifest.json']);
  });
});

describe('RunsWriter with injected short writes', () => {
  it('short writes of 5 bytes still append whole lines', () => {
    const dir = fresh();
    const w = new RunsWriter(dir, { io: shortIo(5) });
    w.append(record('a', 30));
    w.append(record('b', 30));
    w.close();
    expect(fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8')).toBe(`${JSON.stringify(record('a', 30))}\n${JSON.stringify(record('b', 30))}\n`);
  });

  it('ENOSPC halfway through a line: the partial line is cut back off, the earlier records stay, the error names the bytes', () => {
    const dir = fresh();
    const first = new RunsWriter(dir);
    first.append(record('a'));
    first.close();
    const before = fs.readFileSync(path.join(dir, 'runs.jsonl'));
    const line = Buffer.byteLength(JSON.stringify(record('b', 500)) + '\n');
    const w = new RunsWriter(dir, { io: shortIo(100, 250) });
    expect(() => w.append(record('b', 500))).toThrow(`no space left on device: ${path.join(dir, 'runs.jsonl')} (needed ${line} bytes)`);
    w.close();
    expect(fs.readFileSync(path.join(dir, 'runs.jsonl'))).toEqual(before);
    expect(before.toString()).toBe(`${JSON.stringify(record('a'))}\n`);
  });

  it('an append after close throws instead of writing to whatever file now has that fd number', () => {
    const w = new RunsWriter(fresh());
    w.close();
    expect(() => w.append(record('a'))).toThrow('append after close');
  });
});

// ------------------------------------------------------------------ a real small filesystem

const BIN = path.resolve('bin/initbench.js');
const SUITE = 'test/fixtures/suites/resume.json';

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Mounts a 256 KiB tmpfs, or says why it cannot (not root, no CAP_SYS_ADMIN, not Linux). */
function mountTmpfs(): { dir: string; skip: null } | { dir: null; skip: string } {
  if (process.platform !== 'linux') return { dir: null, skip: `tmpfs needs Linux, this is ${process.platform}` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return { dir, skip: null };
  fs.rmSync(dir, { recursive: true, force: true });
  return { dir: null, skip: `mount -t tmpfs is not permitted here (${(r.error?.message ?? r.stderr).trim()})` };
}

const small = mountTmpfs();
if (small.skip !== null) console.warn(`results-write: skipping the tmpfs tests: ${small.skip}`);
// at file level: the mount happens when the file loads, even when -t filters the tmpfs tests out
afterAll(() => {
  if (small.dir === null) return;
  spawnSync('umount', [small.dir]);
  fs.rmSync(small.dir, { recursive: true, force: true });
});

/** Fills the tmpfs with a filler file until at most `free` bytes are left. */
function leaveFree(free: number): void {
  const filler = path.join(small.dir!, 'filler');
  fs.rmSync(filler, { force: true });
  const fd = fs.openSync(filler, 'w');
  try {
    const avail = fs.statfsSync(small.dir!).bavail * fs.statfsSync(small.dir!).bsize;
    if (avail > free) fs.writeSync(fd, Buffer.alloc(avail - free));
  } finally {
    fs.closeSync(fd);
  }
}

function dropLastRecord(dir: string): void {
  const runs = path.join(dir, 'runs.jsonl');
  const lines = fs.readFileSync(runs, 'utf8').split('\n').filter((l) => l !== '');
  fs.writeFileSync(runs, lines.slice(0, -1).map((l) => l + '\n').join(''));
}

const snapshot = (dir: string): Record<string, string> => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

describe.skipIf(small.skip !== null)(`a real 256 KiB tmpfs${small.skip !== null ? ` (skipped: ${small.skip})` : ''}`, () => {
  const done = path.join(root, 'done');
  beforeAll(() => {
    // a complete results dir of the 24-run fixture suite (~90 KB runs.jsonl, ~20 KB manifest), on the big disk
    const r = cli(['run', SUITE, '--out', done, '--jobs', '2', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);

  it('merge into a merged dir with ~40 KB free: exit 1, one line naming runs.jsonl, the old files intact, no .tmp', () => {
    const out = path.join(small.dir!, 'merged');
    fs.cpSync(done, out, { recursive: true });
    // the merged dir lacks one record, so merging the complete dir into it must rewrite runs.jsonl (~90 KB)
    dropLastRecord(out);
    leaveFree(40_000);
    const before = snapshot(out);
    const r = cli(['merge', done, '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    const m = /^initbench: no space left on device: (.+) \(needed (\d+) bytes\)\n$/.exec(r.stderr);
    expect(m?.[1], r.stderr).toBe(path.join(out, 'runs.jsonl'));
    expect(Number(m![2])).toBeGreaterThan(40_000);
    // merge replaces the manifest first (it may name the new source by then); the records are what matter
    expect(fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8')).toBe(before['runs.jsonl']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).plan).toEqual(JSON.parse(before['manifest.json']!).plan);
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json', 'runs.jsonl']);
  });

  it('a resume with nothing to do on a full disk writes nothing at all and exits 0', () => {
    const out = path.join(small.dir!, 'resumed');
    fs.rmSync(path.join(small.dir!, 'merged'), { recursive: true, force: true });
    fs.cpSync(done, out, { recursive: true });
    // less room than the ~20 KB manifest a rewrite would need
    leaveFree(12_000);
    const before = snapshot(out);
    const mtimes = fs.readdirSync(out).map((f) => fs.statSync(path.join(out, f)).mtimeMs);
    const r = cli(['run', SUITE, '--out', out, '--jobs', '1', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(24 already recorded)');
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(out).map((f) => fs.statSync(path.join(out, f)).mtimeMs)).toEqual(mtimes);
  });

  it('a resume with work to do on a full disk: exit 1 with the one line, the manifest and runs intact, no .tmp', () => {
    const out = path.join(small.dir!, 'resumed');
    dropLastRecord(out);
    leaveFree(12_000);
    const before = snapshot(out);
    const r = cli(['run', SUITE, '--out', out, '--jobs', '1', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^initbench: no space left on device: \S+ \(needed \d+ bytes\)\n$/);
    expect(r.stderr).toContain(`: ${out}/`);
    expect(snapshot(out)).toEqual(before);
    expect(tmpFiles(out)).toEqual([]);
  });
});
