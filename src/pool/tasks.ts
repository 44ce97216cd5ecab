/** The pool's own task: a smoke/health check that echoes the backend a worker readied. */
import { InputError } from '../core/errors.ts';
import type { BackendName } from '../core/types.ts';
import { tasksAt, type Handlers } from './task.ts';

export interface PingPayload {
  /** test aids: fail by throwing an Error or an InputError, or kill the worker */
  crash?: 'throw' | 'input' | 'exit';
  /** busy-wait this long first, like a long run: the thread does not yield (tests of --timeout) */
  delayMs?: number;
}

export interface PingResult {
  backend: BackendName;
  detail: string;
  threads: number;
  kernels: string[];
  pid: number;
}

export const handlers = {
  ping: async (task: PingPayload, backend): Promise<PingResult> => {
    if (task.crash === 'throw') throw new Error('ping: asked to throw');
    if (task.crash === 'input') throw new InputError('ping: asked for an input error');
    if (task.crash === 'exit') process.exit(3);
    if (task.delayMs !== undefined) for (const end = Date.now() + task.delayMs; Date.now() < end; );
    return { backend: backend.name, detail: backend.detail, threads: backend.threads, kernels: backend.kernels, pid: process.pid };
  },
} satisfies Handlers;

export const poolTask = tasksAt<typeof handlers>(import.meta.url);
