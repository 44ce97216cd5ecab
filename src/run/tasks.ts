/**
 * Work that can be sent to a pool worker, as a union on `kind`, and the handler for each.
 * Payloads and results must be structured-cloneable.
 */
import type { ReadyBackend } from '../backend/index.ts';

export type WorkerTask =
  /** smoke/health task: echoes the backend the worker readied */
  | { kind: 'ping'; crash?: 'throw' | 'exit' };

type Handler<K extends WorkerTask['kind']> = (task: Extract<WorkerTask, { kind: K }>, backend: ReadyBackend) => Promise<unknown>;

export const TASK_HANDLERS: { [K in WorkerTask['kind']]: Handler<K> } = {
  ping: async (task, backend) => {
    if (task.crash === 'throw') throw new Error('ping: asked to throw');
    if (task.crash === 'exit') process.exit(3);
    return { backend: backend.name, threads: backend.threads, kernels: backend.kernels, pid: process.pid };
  },
};
