// Every CLI command: its usage and one-line description here, its flags and handler in its own file.
// main.ts loads only the module of the command being run; the overview and the strict checks need no
// more than this table (issue 13's start-up targets). Add yours here.
import type { CommandModule } from 'yargs';

export interface CommandEntry {
  /** yargs' command string: the name, then its positionals */
  command: string;
  describe: string;
  /** the command's flags and handler (its `command` and `describe` are these) */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load: () => Promise<CommandModule<any, any>>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    command: 'backends',
    describe: 'list tfjs backends: whether each loads, its version, threads, the kernels we register, and what auto picks',
    load: async () => (await import('./backends.ts')).backendsCommand,
  },
  {
    command: 'check',
    describe: 'cross-check the float64 reference against tfjs on every backend (or --impl: your own module)',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  {
    command: 'perf',
    describe: 'conv kernel and CNN train-step GFLOP/s per backend, after a correctness gate; start-up and run time of the commands (JSON)',
    load: async () => (await import('./perf.ts')).perfCommand,
  },
  {
    command: 'run <suite>',
    describe: 'run a shipped suite by name, or a suite file: append one record per run to DIR/runs.jsonl, resumable, shardable',
    load: async () => (await import('./run.ts')).runCommand,
  },
  {
    command: 'merge <dirs..>',
    describe: 'join the results dirs of shards of one suite (by name) into --out, keeping what --out holds (refuses another suite name, a --quick/full mix and conflicting records)',
    load: async () => (await import('./merge.ts')).mergeCommand,
  },
  {
    command: 'list',
    describe: 'list shipped suites, initializers, activations, architectures and backends',
    load: async () => (await import('./list.ts')).listCommand,
  },
  {
    command: 'bench',
    describe: 'run the default suite, write its report, and print the headline numbers (= npm run bench)',
    load: async () => (await import('./bench.ts')).benchCommand,
  },
  {
    command: 'report [dir]',
    describe: 'write DIR/report.html (self-contained, offline) from a results dir; --svg/--png also write DIR/charts/*',
    load: async () => (await import('./report.ts')).reportCommand,
  },
  {
    command: 'init-stats',
    describe: 'draw initializers and check their mean, variance (with a CI), support and orthogonality against their math',
    load: async () => (await import('./init-stats.ts')).initStatsCommand,
  },
  {
    command: 'probe',
    describe: 'probe one net at init: per-layer variances, dead/saturated units and gradients, beside the theory',
    load: async () => (await import('./probe.ts')).probeCommand,
  },
  {
    command: 'data <dataset>',
    describe: 'fetch a data set: `data cifar10` downloads cifar-10-binary.tar.gz, checks its md5 and unpacks it',
    load: async () => (await import('./data.ts')).dataCommand,
  },
];

/** The command's name: the first word of its command string. */
export function commandName(c: CommandEntry): string {
  return c.command.split(' ')[0]!;
}
