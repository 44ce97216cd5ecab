/**
 * What can be said about the backends without loading tfjs: the names, the auto order, which packages
 * are installed, default --jobs. The CLI's flag parsing and `list` import this, so they start in
 * milliseconds; index.ts (which loads tfjs) re-exports all of it.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import type { BackendChoice, BackendName } from '../core/types.ts';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node', 'node-gpu', 'wasm', 'cpu'];

/** What `--backend auto` tries, in this order: the first that loads is used. */
export const AUTO_ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];

/** Every concrete backend, in the order `list` and `backends` show them. */
export const BACKEND_NAMES: readonly BackendName[] = ['node', 'node-gpu', 'wasm', 'cpu'];

export const PACKAGE: Record<BackendName, string> = {
  node: '@tensorflow/tfjs-node',
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

export const HOW_TO: Record<BackendName, string> = {
  node: 'install it with `npm install @tensorflow/tfjs-node` (its install step downloads libtensorflow, so it needs network access)',
  'node-gpu': 'install `@tensorflow/tfjs-node-gpu` on a Linux machine with CUDA 11.2 and cuDNN 8.1',
  wasm: 'reinstall dependencies with `npm ci` (@tensorflow/tfjs-backend-wasm ships its .wasm files)',
  cpu: 'reinstall dependencies with `npm ci`',
};

const require = createRequire(import.meta.url);

/** The installed version of a backend's package, or null when it is not installed (nothing is loaded). */
export function installedVersion(name: BackendName): string | null {
  try {
    return (require(`${PACKAGE[name]}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export function cores(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Whether the backend spreads one op over all cores itself (libtensorflow's intra-op pool). */
export function isMultiThreaded(name: BackendName): boolean {
  return name === 'node' || name === 'node-gpu';
}

/**
 * What auto will pick, judged without loading anything (so the main thread need not load tfjs): the
 * first of AUTO_ORDER whose package is installed.
 */
export function likelyAutoPick(): BackendName {
  return AUTO_ORDER.find((name) => installedVersion(name) !== null) ?? 'cpu';
}

/** Default --jobs: one single-threaded worker per core, or 1 where the backend uses every core itself. */
export function defaultJobsFor(choice: BackendChoice): number {
  return isMultiThreaded(choice === 'auto' ? likelyAutoPick() : choice) ? 1 : cores();
}
