/**
 * One pool worker: a single-threaded tfjs backend, readied once, serving tasks. A task names the
 * module whose `handlers` serve it (each stage registers its own work there); a module is imported
 * on its first task, so a worker loads only the stages it is asked for.
 */
import { readyBackend } from '../backend/index.ts';
import { InputError } from '../core/errors.ts';
import type { BackendChoice } from '../core/types.ts';
import type { Handler, Handlers, Task } from './task.ts';

export interface WorkerEnvelope {
  backend: BackendChoice;
  threads: number;
  task: Task<unknown>;
}

/**
 * What a worker sends back. An InputError goes back as data: structured cloning keeps only an Error's
 * message and standard name, so the pool could not tell it from any other exception.
 */
export type WorkerReply = { kind: 'value'; value: unknown } | { kind: 'input-error'; message: string; stack: string | null };

const modules = new Map<string, Promise<Handlers>>();

function handlersOf(url: string): Promise<Handlers> {
  let m = modules.get(url);
  if (m === undefined) {
    m = import(url).then((mod: { handlers?: Handlers }) => {
      if (mod.handlers === undefined) throw new Error(`${url}: exports no task handlers`);
      return mod.handlers;
    });
    modules.set(url, m);
  }
  return m;
}

export default async function handle(env: WorkerEnvelope): Promise<WorkerReply> {
  try {
    const ready = await readyBackend(env.backend, { threads: env.threads });
    const handler = (await handlersOf(env.task.module))[env.task.kind] as Handler<unknown, unknown> | undefined;
    if (handler === undefined) throw new Error(`${env.task.module}: no task handler "${env.task.kind}"`);
    return { kind: 'value', value: await handler(env.task.payload, ready) };
  } catch (e) {
    if (e instanceof InputError) return { kind: 'input-error', message: e.message, stack: e.stack ?? null };
    throw e;
  }
}
