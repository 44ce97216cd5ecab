/** Shared flag parsing: each returns a typed value or throws InputError naming the flag. */
import fs from 'node:fs';
import path from 'node:path';
import { InputError, inputError, unknownNameMessage } from '../core/errors.ts';
import type { ActivationName, ActivationSpec, BackendChoice, Shard } from '../core/types.ts';
import { BACKEND_CHOICES, cores } from '../backend/choices.ts';
import { ACTIVATION_NAMES } from '../init/index.ts';

export function parseBackend(v: unknown): BackendChoice {
  if (typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw inputError({ flag: 'backend', expected: `one of ${BACKEND_CHOICES.join(', ')}`, got: v });
}

/** --activation NAME [--alpha A]: alpha only where the activation has one (leaky_relu, elu). */
export function parseActivation(name: unknown, alpha: unknown): ActivationSpec {
  if (typeof name !== 'string' || !(ACTIVATION_NAMES as readonly string[]).includes(name)) {
    throw new InputError(`--activation: ${unknownNameMessage('activation', String(name), ACTIVATION_NAMES)}`, { flag: 'activation' });
  }
  if (alpha === undefined) return { name: name as ActivationName };
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) throw inputError({ flag: 'alpha', expected: 'a number ≥ 0', got: alpha });
  if (name !== 'leaky_relu' && name !== 'elu') throw inputError({ flag: 'alpha', expected: 'alpha only with --activation leaky_relu or elu', got: alpha });
  return { name: name as ActivationName, alpha };
}

/** Node timers hold at most 2³¹−1 ms (~24.8 days); a longer setTimeout/AbortSignal.timeout fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A number flag as typed. yargs turns a `type: 'number'` flag's value into a Number before we see it
 * ("ten" → NaN, "1e3" → 1000, "0x10" → 16): the checks run on the token on the command line, so they
 * stay as strict as before and an error quotes what the user typed. A default, or a value from code,
 * passes through.
 */
export function typedToken(flag: string, v: unknown): unknown {
  if (typeof v !== 'number') return v;
  let token: string | undefined;
  const argv = process.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${flag}`) token = argv[i + 1];
    else if (a.startsWith(`--${flag}=`)) token = a.slice(flag.length + 3);
  }
  return token !== undefined && (Number.isNaN(v) || Number(token) === v) ? token : v;
}

/** --FLAG N: a whole number in [min, max] (digits only: no signs, fractions or exponents). */
export function wholeNumber(flag: string, raw: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = typedToken(flag, raw);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw inputError({ flag, expected: max < Number.MAX_SAFE_INTEGER ? `a whole number in [${min}, ${max}]` : `a whole number ≥ ${min}`, got: v });
  }
  return n;
}

/**
 * --jobs allows at most this many workers per core. Each worker is a thread with its own tfjs (100 MB
 * or more) doing CPU-bound work, so past one per core more workers add memory, not speed; 4× leaves
 * room to oversubscribe on purpose while a typo (a billion) stays an error instead of an OOM kill.
 */
export const MAX_JOBS_PER_CORE = 4;

/** --jobs N: a whole number in [1, MAX_JOBS_PER_CORE × cores]; undefined → the caller's default (backend's defaultJobsFor). */
export function parseJobs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = wholeNumber('jobs', v, 1);
  const max = MAX_JOBS_PER_CORE * cores();
  if (n > max) {
    throw inputError({ flag: 'jobs', expected: `at most ${max} workers (${MAX_JOBS_PER_CORE} per core on ${cores()} cores; more add memory, not speed)`, got: typedToken('jobs', v) });
  }
  return n;
}

/**
 * --out DIR must be a directory initbench can write, checked before any worker starts: it is made if
 * missing and a probe file is created and removed in it; dirs made here are removed again, so a
 * later refusal leaves nothing behind.
 */
export function assertWritableDir(flag: string, dir: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw inputError({ flag, expected: 'a directory (or a path to create one at)', got: dir, hint: 'that is an existing file' });
  }
  let made: string | undefined;
  try {
    made = fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.initbench-write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (e) {
    throw inputError({ flag, expected: 'a directory initbench can write to', got: dir, hint: (e as Error).message });
  } finally {
    // the topmost dir made here, made a moment ago, holds nothing but what this check made
    if (made !== undefined) fs.rmSync(made, { recursive: true, force: true });
  }
}

/** --shard k/n: `"2/3"` → {k: 2, n: 3}; absent → null (the whole plan). */
export function parseShard(v: unknown): Shard | null {
  if (v === undefined || v === null) return null;
  const m = typeof v === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v) : null;
  const k = m !== null ? Number(m[1]) : NaN;
  const n = m !== null ? Number(m[2]) : NaN;
  if (!(n >= 1 && k >= 1 && k <= n)) {
    throw inputError({ flag: 'shard', expected: 'k/n with 1 ≤ k ≤ n, e.g. 2/8', got: v });
  }
  return { k, n };
}

export const backendFlag = {
  type: 'string',
  default: 'auto',
  choices: BACKEND_CHOICES,
  describe: 'tfjs backend (auto: the fastest that loads)',
} as const;

export const jobsFlag = {
  type: 'number',
  describe: `parallel workers (default: cores; 1 on tfjs-node, which is multi-threaded itself); at most ${MAX_JOBS_PER_CORE} per core`,
} as const;
