/**
 * `initbench check`: every check on every requested backend, sequentially in this process
 * (tfjs backends are process-global; readyBackend switches between them).
 */
import type { BackendName, CheckRow } from '../core/types.ts';
import { type ReadyBackend, readyBackend } from '../backend/index.ts';
import { InputError } from '../core/errors.ts';
import { checkFiniteDifferences, checkOpsOnBackend } from './ops.ts';
import { checkModels } from './model-check.ts';
import { errorRow } from './compare.ts';

export interface CheckOptions {
  /** explicit backends, or 'all': every one that loads (cpu, wasm, node where it loads) */
  backends: BackendName[] | 'all';
  /** log a line as each part finishes */
  progress?: (line: string) => void;
}

export interface CheckRun {
  rows: CheckRow[];
  backends: ReadyBackend[];
  wallMs: number;
}

export const ALL_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'node'];

export async function runChecks(opts: CheckOptions): Promise<CheckRun> {
  const t0 = performance.now();
  const log = opts.progress ?? (() => undefined);
  const rows: CheckRow[] = [];
  let t = performance.now();
  rows.push(...checkFiniteDifferences());
  log(`reference vs finite differences: ${((performance.now() - t) / 1000).toFixed(1)}s`);
  const ready: ReadyBackend[] = [];
  const wanted = opts.backends === 'all' ? ALL_BACKENDS : opts.backends;
  for (const name of wanted) {
    let b: ReadyBackend;
    try {
      b = await readyBackend(name);
    } catch (e) {
      // asked for explicitly: that is an input error; under 'all' a missing backend is a skip row
      if (opts.backends !== 'all') throw e;
      const why = e instanceof InputError ? e.message : (e as Error).message;
      rows.push(errorRow('backend', name, name, { atol: 0, rtol: 0 }, `not checked: ${why}`, 'skip'));
      log(`${name}: skipped (does not load)`);
      continue;
    }
    ready.push(b);
    t = performance.now();
    rows.push(...checkOpsOnBackend(name));
    rows.push(...checkModels(name));
    log(`${b.detail}: ${((performance.now() - t) / 1000).toFixed(1)}s`);
  }
  return { rows, backends: ready, wallMs: performance.now() - t0 };
}
