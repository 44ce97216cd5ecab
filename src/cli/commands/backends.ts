import type { CommandModule } from 'yargs';
import { listBackends } from '../../backend/index.ts';

export const backendsCommand: CommandModule<object, { json: boolean }> = {
  command: 'backends',
  describe: 'list tfjs backends: whether each loads, its version, and the kernels we register',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as never,
  handler: async (args) => {
    const list = await listBackends();
    if (args.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return;
    }
    for (const b of list) {
      process.stdout.write(
        `${b.name.padEnd(9)} ${b.loads ? 'loads  ' : 'missing'} ${String(b.version ?? '-').padEnd(8)} ${b.loads ? '' : b.howTo}\n`,
      );
    }
  },
};
