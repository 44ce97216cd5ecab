// Every CLI command, one file each. Add yours here.
import type { CommandModule } from 'yargs';
import { backendsCommand } from './backends.ts';
import { checkCommand } from './check.ts';
import { perfCommand } from './perf.ts';
import { benchCommand } from './bench.ts';
import { listCommand } from './list.ts';
import { mergeCommand } from './merge.ts';
import { runCommand } from './run.ts';
import { reportCommand } from './report.ts';
import { initStatsCommand } from './init-stats.ts';
import { probeCommand } from './probe.ts';
import { dataCommand } from './data.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [backendsCommand, checkCommand, perfCommand, runCommand, mergeCommand, listCommand, benchCommand, reportCommand, initStatsCommand, probeCommand, dataCommand];
