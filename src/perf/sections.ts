/** What `initbench perf` can be asked for: tfjs-free, so the CLI's flags and --help load no benchmark. */
import { AUTO_ORDER } from '../backend/choices.ts';
import type { BackendName } from '../core/types.ts';

/** By default, every backend auto may pick. */
export const PERF_BACKENDS: readonly BackendName[] = AUTO_ORDER;

export const PERF_SECTIONS = ['backends', 'commands', 'theory'] as const;
export type PerfSection = (typeof PERF_SECTIONS)[number];
