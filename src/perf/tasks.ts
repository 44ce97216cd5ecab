/** The perf stage's work in a pool worker: timing SGD steps of the perf CNN (train.ts), loaded on first use. */
import { threadId } from 'node:worker_threads';
import { tasksAt, type Handlers } from '../pool/task.ts';
import type { TrainTiming, TrainTimingOptions } from './train.ts';

export const handlers = {
  /** the barrier lines workers up to time together */
  train: async (task: Pick<TrainTimingOptions, 'warmup' | 'reps' | 'barrier'>): Promise<TrainTiming> => {
    const { timeTrainSteps } = await import('./train.ts');
    return timeTrainSteps({ warmup: task.warmup, reps: task.reps, barrier: task.barrier, threadId });
  },
} satisfies Handlers;

export const perfTask = tasksAt<typeof handlers>(import.meta.url);
