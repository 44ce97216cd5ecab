/**
 * Work that can be sent to a pool worker, as a union on `kind`, and the handler for each.
 * Payloads and results must be structured-cloneable. Heavy handlers import their modules lazily, so a
 * worker that only pings loads nothing but the backend.
 */
import type { ReadyBackend } from '../backend/index.ts';
import type { DataSpec, InputSpec, RunSpec } from '../core/types.ts';

export type WorkerTask =
  /** smoke/health task: echoes the backend the worker readied */
  | { kind: 'ping'; crash?: 'throw' | 'exit'; delayMs?: number }
  /** one run of a plan → its RunRecord (src/run/execute.ts) */
  | { kind: 'run'; spec: RunSpec; suiteHash: string; dataDir: string }
  /** a few images of a data set for DIR/samples.json */
  | { kind: 'samples'; data: DataSpec; input: InputSpec; seed: number; dataDir: string }
  /** time SGD steps of the perf CNN (src/perf/train.ts); the barrier lines workers up to time together */
  | { kind: 'perf-train'; warmup: number; reps: number; barrier?: { buffer: SharedArrayBuffer; parties: number } };

type Handler<K extends WorkerTask['kind']> = (task: Extract<WorkerTask, { kind: K }>, backend: ReadyBackend) => Promise<unknown>;

export const TASK_HANDLERS: { [K in WorkerTask['kind']]: Handler<K> } = {
  ping: async (task, backend) => {
    if (task.crash === 'throw') throw new Error('ping: asked to throw');
    if (task.crash === 'exit') process.exit(3);
    // a busy wait, like a long run: the thread does not yield (tests of --timeout)
    if (task.delayMs !== undefined) for (const end = Date.now() + task.delayMs; Date.now() < end; );
    return { backend: backend.name, detail: backend.detail, threads: backend.threads, kernels: backend.kernels, pid: process.pid };
  },
  run: async (task, backend) => {
    const { executeRun } = await import('./execute.ts');
    return executeRun(task.spec, backend, { suiteHash: task.suiteHash, dataDir: task.dataDir });
  },
  samples: async (task) => {
    const { sampleImages } = await import('../data/index.ts');
    return sampleImages(task.data, task.input, task.seed, { dataDir: task.dataDir });
  },
  'perf-train': async (task) => {
    const { timeTrainSteps } = await import('../perf/train.ts');
    const { threadId } = await import('node:worker_threads');
    return timeTrainSteps({ warmup: task.warmup, reps: task.reps, barrier: task.barrier, threadId });
  },
};
