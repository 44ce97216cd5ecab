/**
 * A pool of worker threads (piscina), one single-threaded tfjs backend each, for independent runs.
 * A task that throws or whose worker dies rejects only that task; piscina replaces the worker.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '../core/types.ts';
import type { WorkerTask } from './tasks.ts';
import type { WorkerEnvelope } from './worker.ts';

export interface PoolOptions {
  jobs: number;
  backend: BackendChoice;
  /** tfjs threads inside each worker (WASM); 1 by default since we parallelise across workers */
  threads?: number;
}

export type PoolOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: { message: string; stack: string | null; kind: 'exception' | 'worker-crash' | 'timeout' } };

export interface RunOptions {
  /** abort the task after this long: its worker is terminated (and replaced) and the outcome is a timeout */
  timeoutMs?: number;
}

export class WorkerPool {
  private readonly piscina: Piscina;
  constructor(readonly opts: PoolOptions) {
    this.piscina = new Piscina({
      filename: fileURLToPath(new URL('./worker-boot.mjs', import.meta.url)),
      minThreads: opts.jobs,
      maxThreads: opts.jobs,
      // one task per worker at a time: tfjs state is per thread and runs are CPU-bound
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // tfjs WASM grows its heap; give workers room
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
  }

  /** Runs one task; never rejects: failures come back as { ok: false }. */
  async run<T>(task: WorkerTask, opts: RunOptions = {}): Promise<PoolOutcome<T>> {
    const env: WorkerEnvelope = { backend: this.opts.backend, threads: this.opts.threads ?? 1, task };
    const signal = opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : null;
    try {
      return { ok: true, value: (await this.piscina.run(env, { signal })) as T };
    } catch (e) {
      const err = e as Error;
      if (signal?.aborted === true) {
        const message = `timed out after ${(opts.timeoutMs ?? 0) / 1000} s; its worker was stopped`;
        return { ok: false, error: { message, stack: null, kind: 'timeout' } };
      }
      const crashed = /worker.*(exit|terminat)|exited/i.test(err.message);
      return { ok: false, error: { message: err.message, stack: err.stack ?? null, kind: crashed ? 'worker-crash' : 'exception' } };
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
