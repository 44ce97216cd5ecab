import type { CommandModule } from 'yargs';
import { mergeResults } from '../../results/index.ts';

export const mergeCommand: CommandModule<object, { dirs: string[]; out: string }> = {
  command: 'merge <dirs..>',
  describe: 'union the results dirs of shards of one suite into --out (refuses different suite files)',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard results dirs' })
      .option('out', { type: 'string', demandOption: true, describe: 'merged results dir' }) as never,
  handler: async (args) => {
    const r = mergeResults(args.dirs, args.out);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(
      `merged ${args.dirs.length} dirs: ${r.records} of ${r.planned} planned runs${r.missing > 0 ? ` (${r.missing} not yet run)` : ''} → ${r.out}\n`,
    );
  },
};
