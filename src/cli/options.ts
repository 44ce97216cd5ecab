/** Shared flag parsing: each returns a typed value or throws InputError naming the flag. */
import os from 'node:os';
import { inputError } from '../core/errors.ts';
import type { BackendChoice, BackendName } from '../core/types.ts';
import { BACKEND_CHOICES, defaultJobsFor } from '../backend/index.ts';

export function parseBackend(v: unknown): BackendChoice {
  if (typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw inputError({ flag: 'backend', expected: `one of ${BACKEND_CHOICES.join(', ')}`, got: v });
}

/** --jobs N: a positive integer; undefined → default (cores; caller lowers it for tfjs-node). */
export function parseJobs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw inputError({ flag: 'jobs', expected: 'a whole number ≥ 1', got: v });
  }
  return n;
}

/** Default --jobs: cores, or 1 for a backend that is multi-threaded itself (tfjs-node); see defaultJobsFor. */
export function defaultJobs(backend?: BackendName): number {
  return backend === undefined ? Math.max(1, os.availableParallelism?.() ?? os.cpus().length) : defaultJobsFor(backend);
}

export const backendFlag = {
  type: 'string',
  default: 'auto',
  describe: `tfjs backend: ${BACKEND_CHOICES.join(' | ')}`,
} as const;

export const jobsFlag = {
  type: 'string',
  describe: 'parallel workers (default: cores; 1 on tfjs-node, which is multi-threaded itself)',
} as const;
