import type { CommandModule } from 'yargs';

export const backendsCommand: CommandModule<object, { json: boolean }> = {
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('$0 backends', 'load each backend and say which one --backend auto picks')
      .example('$0 backends --json', 'the same as JSON') as never,
  handler: async (args) => {
    const { inspectBackends } = await import('../../backend/index.ts');
    const report = await inspectBackends();
    if (args.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const out: string[] = [];
    for (const b of report.backends) {
      const head = `${b.name.padEnd(9)} ${b.loads ? 'loads  ' : 'missing'} ${String(b.version ?? '-').padEnd(8)}`;
      if (b.loads) {
        out.push(`${head} ${b.threads ?? '-'} thread${b.threads === 1 ? '' : 's'}, --jobs default ${b.defaultJobs}` + (b.kernels.length > 0 ? `, our kernels: ${b.kernels.join(', ')}` : ''));
      } else {
        out.push(`${head} ${b.error ?? ''}`.trimEnd());
        out.push(`${' '.repeat(10)}to get it: ${b.howTo}`);
      }
    }
    out.push(`auto picks ${report.auto.picks ?? 'nothing'}: ${report.auto.reason}`);
    process.stdout.write(out.join('\n') + '\n');
  },
};
