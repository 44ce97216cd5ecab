/**
 * A pool of worker threads (piscina), one single-threaded tfjs backend each, for independent tasks
 * (suite runs, perf timing; see task.ts). A task that throws or whose worker dies fails only that task;
 * piscina replaces the worker.
 */
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.ts';
import type { BackendChoice, ErrorInfo } from '../core/types.ts';
import type { Task } from './task.ts';
import type { WorkerEnvelope, WorkerReply } from './worker.ts';

export interface PoolOptions {
  jobs: number;
  backend: BackendChoice;
  /** tfjs threads inside each worker (WASM); 1 by default since we parallelise across workers */
  threads?: number;
}

/** Why a task produced no value: an exception, its worker dying, its time limit, or an input error to rethrow. */
export type TaskFailure = ErrorInfo | { kind: 'input'; message: string; stack: string | null; inputError: InputError };

export type PoolOutcome<T> = { ok: true; value: T } | { ok: false; error: TaskFailure };

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
  async run<T>(task: Task<T>, opts: RunOptions = {}): Promise<PoolOutcome<T>> {
    const env: WorkerEnvelope = { backend: this.opts.backend, threads: this.opts.threads ?? 1, task };
    const signal = opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : null;
    try {
      const reply = (await this.piscina.run(env, { signal })) as WorkerReply;
      if (reply.kind === 'value') return { ok: true, value: reply.value as T };
      const inputError = new InputError(reply.message);
      return { ok: false, error: { kind: 'input', message: reply.message, stack: reply.stack, inputError } };
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
