/**
 * One writer per results dir: DIR/.lock is created exclusively ('wx') and says who writes there (pid,
 * host, since, command). A second writer gets an InputError naming the holder. A lock whose process is
 * gone — same host, and its pid dead or reused by a process started later — is taken over with a
 * one-line note; a lock from another host is left alone, as its process cannot be checked from here.
 * Held locks are released on return, on error, at process exit and on SIGINT/SIGTERM; a kill -9 leaves
 * the file behind, and the next writer takes it over because its pid is dead.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskFullError, InputError } from '../core/errors.ts';
import { lockFile } from './paths.ts';
import { makeResultsDir } from './store.ts';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken */
  since: string;
  /** what holds it, e.g. `initbench run suites/x.json` */
  command: string;
  /** the process's start time (clock ticks after boot, Linux /proc), so a reused pid is not taken for the holder; null elsewhere */
  procStart: string | null;
  /** tells this lock from a later one of the same pid */
  token: string;
}

export interface DirLock {
  file: string;
  /** a one-line note when a stale lock was taken over, else null */
  tookOver: string | null;
  /** removes the lock (if still ours), and DIR if acquiring created it and it is still empty */
  release(): void;
}

/** token → release, for every lock this process holds: the exit and signal handlers release them */
const held = new Map<string, () => void>();

/**
 * Takes DIR's lock, creating DIR if needed; `command` says who holds it. InputError (exit 2) naming
 * the holder when another live writer has it.
 */
export function acquireLock(dir: string, command: string): DirLock {
  const file = lockFile(dir);
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    command,
    procStart: processStart(process.pid),
    token: crypto.randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(me) + '\n';
  let created = false;
  let tookOver: string | null = null;
  // a few rounds: a stale lock removed, or the dir removed by a writer that created it and failed
  for (let round = 0; ; round++) {
    if (round > 5) throw new Error(`${file}: could not take the lock after ${round} tries; other writers keep taking it`);
    try {
      if (!fs.existsSync(dir)) {
        makeResultsDir(dir);
        created = true;
      }
      createExclusive(file, text);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code !== 'EEXIST') throw notWritable(dir, file, Buffer.byteLength(text), e as NodeJS.ErrnoException);
    }
    const holder = readHolder(file);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') {
      throw new InputError(`${dir}: ${file} is a lock file initbench cannot read; if no initbench is writing into ${dir}, delete it`, { file });
    }
    if (!isStale(holder)) throw heldError(dir, file, holder);
    if (removeStale(file, holder)) {
      tookOver = `${file}: took over a stale lock of pid ${holder.pid} (${holder.command}, since ${holder.since}), which is no longer running`;
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(me.token);
    if (held.size === 0) removeHandlers();
    const now = readHolderOnce(file);
    // a lock deleted by hand and taken by another writer is theirs now
    if (typeof now === 'object' && now.token === me.token) fs.rmSync(file, { force: true });
    if (created) removeIfEmpty(dir);
  };
  if (held.size === 0) addHandlers();
  held.set(me.token, release);
  return { file, tookOver, release };
}

/** The live holder of DIR's lock (or one on another host), or null when DIR is not locked. */
export function activeLock(dir: string): LockHolder | null {
  const h = readHolderOnce(lockFile(dir));
  return typeof h === 'object' && !isStale(h) ? h : null;
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host === os.hostname() ? `this host (${h.host})` : `host ${h.host}`} since ${h.since} (${h.command})`;
}

function heldError(dir: string, file: string, h: LockHolder): InputError {
  const what =
    h.host === os.hostname()
      ? 'wait for it to finish or stop it (a lock whose process has died is taken over)'
      : `a lock from another host is never taken over, as its process cannot be checked from here: if nothing writes into ${dir} any more, delete ${file}`;
  return new InputError(`${dir}: in use by another writer, ${describeHolder(h)}; ${what}`, { file });
}

function notWritable(dir: string, file: string, bytes: number, e: NodeJS.ErrnoException): Error {
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' || e.code === 'ENOTDIR') {
    return new InputError(`${dir}: cannot write there (${e.code}: ${e.message})`, { file: dir });
  }
  return e.code === 'ENOSPC' || e.code === 'EDQUOT' ? new DiskFullError(file, bytes, e.code) : e;
}

/** Creates FILE only if absent, with its whole content in one write; a failed write leaves no file. */
function createExclusive(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  let written = false;
  try {
    const buf = Buffer.from(text, 'utf8');
    const n = fs.writeSync(fd, buf);
    if (n !== buf.length) throw new Error(`${file}: short write (${n} of ${buf.length} bytes)`);
    written = true;
  } finally {
    fs.closeSync(fd);
    if (!written) fs.rmSync(file, { force: true });
  }
}

function readHolderOnce(file: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h === 'object' && h !== null && Number.isInteger(h.pid) && typeof h.host === 'string' && typeof h.token === 'string' ? h : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Reads a lock, waiting up to a second for one another writer has created but not yet written. */
function readHolder(file: string): LockHolder | 'gone' | 'unreadable' {
  for (let i = 0; ; i++) {
    const h = readHolderOnce(file);
    if (h !== 'unreadable' || i >= 20) return h;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function isStale(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return false;
  // our own pid: ours only if this process holds it (a restarted container reuses small pids)
  if (h.pid === process.pid) return !held.has(h.token);
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const start = processStart(h.pid);
  return h.procStart !== null && start !== null && start !== h.procStart;
}

/**
 * Removes the stale lock `h`, unless another writer replaced it meanwhile: it is renamed aside first,
 * and put back if it is not `h`. True when `h` was removed.
 */
function removeStale(file: string, h: LockHolder): boolean {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  const got = readHolderOnce(aside);
  try {
    if (typeof got === 'object' && got.token === h.token) return true;
    fs.linkSync(aside, file);
    return false;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Field 22 of /proc/PID/stat (start time), or null off Linux or when PID is gone. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Removes DIR if it is empty: a writer that failed before writing leaves no dir behind. */
function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (or gone): nothing to undo
  }
}

function releaseAll(): void {
  for (const release of [...held.values()]) release();
}

/** Releases the locks, then lets the signal do what it would have done. */
function onSignal(signal: NodeJS.Signals): void {
  releaseAll();
  removeHandlers();
  process.kill(process.pid, signal);
}

function addHandlers(): void {
  process.on('exit', releaseAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function removeHandlers(): void {
  process.removeListener('exit', releaseAll);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}
