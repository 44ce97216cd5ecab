/** Training runs: the loop and outcomes (train.ts), optimizers and schedules (optimizers.ts). */
export { trainRun, evaluate, stallThreshold, majorityRate, DIVERGE_FACTOR, STALL_SIGMAS, EVAL_BATCH } from './train.ts';
export type { TrainHooks, TrainOutcome } from './train.ts';
export { lrAt, makeOptimizer, ADAM } from './optimizers.ts';
export type { Optimizer, Param } from './optimizers.ts';
