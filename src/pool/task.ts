/**
 * The typed task API of the pool. A stage registers its own work by exporting `handlers` from a module
 * of its own; a task names that module by URL and one handler by key, so the pool never imports a stage.
 * Payloads and results cross a thread boundary: they must be structured-cloneable.
 */
import type { ReadyBackend } from '../backend/index.ts';

export type Handler<P, R> = (payload: P, backend: ReadyBackend) => Promise<R>;

/**
 * What a handlers module exports as `handlers`. `never` admits every payload type; callers see each
 * handler's own annotation, so annotate the payload (it is not inferred from here).
 */
export type Handlers = Record<string, Handler<never, unknown>>;

/** One unit of work for a worker. `result` is never set: it carries the handler's result type to `WorkerPool.run`. */
export interface Task<R> {
  readonly module: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly result?: R;
}

/**
 * Typed task makers for the handlers module at `url` (its `import.meta.url`):
 * `tasksAt<typeof handlers>(import.meta.url)('run', payload)` is a Task of what `handlers.run` resolves to.
 */
export function tasksAt<H extends Handlers>(url: string) {
  return <K extends keyof H & string>(kind: K, payload: Parameters<H[K]>[0]): Task<Awaited<ReturnType<H[K]>>> => ({ module: url, kind, payload });
}
