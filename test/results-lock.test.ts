// The results-dir lock: in this process (acquireLock), and between real `initbench` processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import type { RunRecord } from '../src/core/types.ts';
import { LOCK_FILE, acquireLock, type DirLock, type LockHolder } from '../src/results/index.ts';
import { writeResultsDir } from '../src/results/synth.ts';
import { loadSuite } from '../src/suite/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-lock-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${n++}`);
const held: DirLock[] = [];
afterEach(() => {
  for (const l of held.splice(0)) l.release();
});
function take(dir: string, command = 'test'): DirLock {
  const l = acquireLock(dir, command);
  held.push(l);
  return l;
}

const BIN = path.resolve('bin/initbench.js');
const TINY = 'test/fixtures/suites/tiny.json';

/** A pid that was a process a moment ago and is no longer. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function writeLock(dir: string, h: Partial<LockHolder>): void {
  fs.mkdirSync(dir, { recursive: true });
  const holder: LockHolder = { pid: deadPid(), host: os.hostname(), since: '2026-01-02T03:04:05.000Z', command: 'initbench run old.json', procStart: null, token: 'old', ...h };
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(holder));
}

function readLock(dir: string): LockHolder {
  return JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockHolder;
}

function lines(dir: string): RunRecord[] {
  const f = path.join(dir, 'runs.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as RunRecord) : [];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function waitFor(cond: () => boolean, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A suite of four tiny probe runs named `name`, in a temp file. */
function smallSuite(name: string): string {
  const file = path.join(fresh('suite'), `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({
    name, description: 'lock test', seed: 5, seeds: 2,
    defaults: { width: 4, input: { height: 8, width: 8, channels: 2 }, probe: { batch: 4, source: 'gaussian', inputStd: 1 } },
    matrix: { init: ['he-normal'], depth: [1, 2] },
  }));
  return file;
}

describe('acquireLock', () => {
  it('writes pid, host, since and command; a second writer is an InputError naming them', () => {
    const dir = fresh('two');
    take(dir, 'initbench run a.json');
    const h = readLock(dir);
    expect(h).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'initbench run a.json' });
    expect(Number.isNaN(Date.parse(h.since))).toBe(false);
    expect(() => take(dir, 'initbench run b.json')).toThrow(InputError);
    expect(() => take(dir, 'initbench run b.json')).toThrow(
      `${dir}: in use by another writer, pid ${process.pid} on this host (${os.hostname()}) since ${h.since} (initbench run a.json); wait for it to finish or stop it`,
    );
  });

  it('release removes the lock, and the dir it created when nothing was written there', () => {
    const dir = path.join(fresh('made'), 'out');
    const l = acquireLock(dir, 'test');
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    l.release();
    expect(fs.existsSync(dir)).toBe(false);
    const kept = fresh('kept');
    const k = acquireLock(kept, 'test');
    fs.writeFileSync(path.join(kept, 'runs.jsonl'), '');
    k.release();
    expect(fs.readdirSync(kept)).toEqual(['runs.jsonl']);
  });

  it('takes over a stale lock of a dead pid on this host, with a one-line message', () => {
    const dir = fresh('stale');
    const dead = deadPid();
    writeLock(dir, { pid: dead });
    const l = take(dir);
    expect(l.tookOver).toBe(`${path.join(dir, LOCK_FILE)}: took over a stale lock of pid ${dead} (initbench run old.json, since 2026-01-02T03:04:05.000Z), which is no longer running`);
    expect(readLock(dir).pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to a process started later (a reused pid)', () => {
    const dir = fresh('reused');
    // our parent is alive; the lock says its process started at tick 1, which no live process did
    writeLock(dir, { pid: process.ppid, procStart: '1' });
    expect(take(dir).tookOver).toContain(`stale lock of pid ${process.ppid}`);
  });

  it('takes over a lock of its own pid that this process does not hold (a restarted container)', () => {
    const dir = fresh('self');
    writeLock(dir, { pid: process.pid, token: 'an-earlier-incarnation' });
    expect(take(dir).tookOver).toContain(`stale lock of pid ${process.pid}`);
  });

  it('leaves a lock from another host alone, even with a pid dead here, and says so', () => {
    const dir = fresh('foreign');
    writeLock(dir, { host: 'elsewhere-7', pid: deadPid() });
    const before = fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8');
    expect(() => take(dir)).toThrow(/in use by another writer, pid \d+ on host elsewhere-7 since 2026-01-02T03:04:05.000Z \(initbench run old.json\); a lock from another host is never taken over.*delete .*\.lock$/);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe(before);
  });

  it('an unreadable lock file is an InputError naming it, and is left alone', () => {
    const dir = fresh('garbage');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, LOCK_FILE), 'not json');
    expect(() => take(dir)).toThrow(`${dir}: ${path.join(dir, LOCK_FILE)} is a lock file initbench cannot read; if no initbench is writing into ${dir}, delete it`);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe('not json');
  });

  it('release leaves alone a lock that was deleted by hand and taken by another writer', () => {
    const dir = fresh('replaced');
    const l = acquireLock(dir, 'test');
    fs.rmSync(path.join(dir, LOCK_FILE));
    writeLock(dir, { pid: process.ppid, token: 'theirs' });
    l.release();
    expect(readLock(dir).token).toBe('theirs');
  });

  it('an existing file where the dir should be is an InputError, not a stack', () => {
    const file = path.join(fresh('file'), 'x');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'mine');
    expect(() => take(path.join(file, 'out'))).toThrow(InputError);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });
});

describe('the lock between real initbench processes', () => {
  it('two runs of different suites started together into one new dir: one runs, the other exits 2 naming it; the dir holds one suite', async () => {
    const out = path.join(fresh('race'), 'results', 'x');
    const other = smallSuite('other');
    const a = start(['run', TINY, '--out', out, '--backend', 'cpu', '--jobs', '1']);
    const b = start(['run', other, '--out', out, '--backend', 'cpu', '--jobs', '1']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, ra.stderr + rb.stderr).toEqual([0, 2]);
    const [won, lost, wonPid, wonSuite] = ra.code === 0 ? [ra, rb, a.child.pid, TINY] : [rb, ra, b.child.pid, other];
    expect(lost.stderr).toMatch(new RegExp(`initbench: ${out}: in use by another writer, pid ${wonPid} on this host \\(.*\\) since \\S+ \\(initbench run ${wonSuite.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\); wait for it`));
    expect(won.stdout).toContain('0 failed');
    const planned = loadSuite(wonSuite).plan.runs.map((r) => r.id);
    expect(lines(out).map((r) => r.id).sort()).toEqual([...planned].sort());
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).suite.file).toBe(wonSuite);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  }, 240_000);

  it('two runs of the same suite started together compute every run once', async () => {
    const out = fresh('same');
    const a = start(['run', TINY, '--out', out, '--backend', 'cpu', '--jobs', '1']);
    const b = start(['run', TINY, '--out', out, '--backend', 'cpu', '--jobs', '1']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code].sort(), ra.stderr + rb.stderr).toEqual([0, 2]);
    expect((ra.code === 2 ? ra : rb).stderr).toContain(`${out}: in use by another writer, pid ${(ra.code === 0 ? a : b).child.pid} on this host`);
    const ids = lines(out).map((r) => r.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  }, 240_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to a run removes its lock: the next writer takes the dir without taking over anything`, async () => {
      const out = fresh(signal);
      const a = start(['run', 'test/fixtures/suites/resume.json', '--out', out, '--backend', 'cpu', '--jobs', '1']);
      await waitFor(() => lines(out).length >= 1);
      expect(readLock(out).pid).toBe(a.child.pid);
      a.child.kill(signal);
      const ra = await a.done;
      // the lock is removed, then the signal does what it would have done
      expect(ra.signal).toBe(signal);
      expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
      expect(take(out).tookOver).toBeNull();
    }, 240_000);
  }

  it('merge and report into a dir another process holds exit 2 naming the holder, and change nothing', () => {
    const base = fresh('held');
    const dir = path.join(base, 'results', 'suite');
    writeResultsDir(dir);
    const shard = path.join(base, 'shard');
    writeResultsDir(shard);
    const snapshot = () => Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
    take(dir, 'initbench run suites/held.json');
    const before = snapshot();
    for (const args of [['merge', shard, '--out', dir], ['report', dir]]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`initbench: ${dir}: in use by another writer, pid ${process.pid} on this host \\(.*\\) since .* \\(initbench run suites/held\\.json\\)`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(snapshot()).toEqual(before);
    }
  });
});
