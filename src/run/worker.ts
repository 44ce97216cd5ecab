/**
 * One pool worker: a single-threaded tfjs backend, readied once, serving tasks by kind.
 * Handlers are looked up in tasks.ts so each stage registers its own work.
 */
import { readyBackend } from '../backend/index.ts';
import type { BackendChoice } from '../core/types.ts';
import { TASK_HANDLERS, type WorkerTask } from './tasks.ts';

export interface WorkerEnvelope {
  backend: BackendChoice;
  threads: number;
  task: WorkerTask;
}

export default async function handle(env: WorkerEnvelope): Promise<unknown> {
  const ready = await readyBackend(env.backend, { threads: env.threads });
  const handler = TASK_HANDLERS[env.task.kind] as (t: WorkerTask, b: typeof ready) => Promise<unknown>;
  return handler(env.task, ready);
}
