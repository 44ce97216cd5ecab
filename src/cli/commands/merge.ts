import type { CommandModule } from 'yargs';
import { assertWritableDir } from '../options.ts';

export const mergeCommand: CommandModule<object, { dirs: string[]; out: string }> = {
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard results dirs' })
      .option('out', { type: 'string', demandOption: true, describe: 'merged results dir (new, or one holding results of the same suite)' })
      .example('$0 merge results/shard1 results/shard2 --out results/he2015', 'two shards of one suite into one results dir')
      .example('$0 merge results/shard* --out results/he2015', 'every shard dir a glob matches; then initbench report results/he2015') as never,
  handler: async (args) => {
    assertWritableDir('out', args.out);
    const { mergeResults } = await import('../../results/index.ts');
    const r = mergeResults(args.dirs, args.out);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    const notes = [
      ...(r.missing > 0 ? [`${r.missing} not yet run`] : []),
      ...(r.collapsed > 0 ? [`${r.collapsed} duplicate records collapsed`] : []),
      ...(r.stale > 0 ? [`${r.stale} no longer planned, kept in runs.jsonl and left out of the report`] : []),
    ];
    process.stdout.write(
      `merged ${args.dirs.length} dir${args.dirs.length === 1 ? '' : 's'}${r.had > 0 ? ` into the ${r.had} runs ${r.out} held` : ''}: ${r.records} of ${r.planned} planned runs` +
        `${notes.length > 0 ? ` (${notes.join('; ')})` : ''} → ${r.out}\n`,
    );
  },
};
