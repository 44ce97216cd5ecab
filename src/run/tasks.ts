/**
 * The run stage's work in a pool worker. Handlers import their modules on first use, so the main
 * thread can make tasks without loading tfjs.
 */
import type { DataSamples, DataSpec, InputSpec, RunRecord, RunSpec } from '../core/types.ts';
import { tasksAt, type Handlers } from '../pool/task.ts';

export interface RunPayload {
  spec: RunSpec;
  suiteHash: string;
  dataDir: string;
  /** the suite file's directory (model arch paths are relative to it) */
  suiteDir?: string;
}

/** A few images of a data set, for DIR/samples.json. */
export interface SamplesPayload {
  data: DataSpec;
  input: InputSpec;
  seed: number;
  dataDir: string;
}

export const handlers = {
  /** one run of a plan → its RunRecord (execute.ts) */
  run: async (task: RunPayload, backend): Promise<RunRecord> => {
    const { executeRun } = await import('./execute.ts');
    return executeRun(task.spec, backend, { suiteHash: task.suiteHash, dataDir: task.dataDir, ...(task.suiteDir !== undefined ? { suiteDir: task.suiteDir } : {}) });
  },
  samples: async (task: SamplesPayload): Promise<DataSamples> => {
    const { sampleImages } = await import('../data/index.ts');
    return sampleImages(task.data, task.input, task.seed, { dataDir: task.dataDir });
  },
} satisfies Handlers;

export const runTask = tasksAt<typeof handlers>(import.meta.url);
