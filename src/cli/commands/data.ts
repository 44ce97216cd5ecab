import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../core/errors.ts';
import { CIFAR_URL, NetworkError, downloadCifar10Archive, unpackCifar10 } from '../../data/download.ts';
import { assertCifarFiles } from '../../data/cifar-files.ts';
import { resolveDataDir } from '../../data/spec.ts';

interface DataArgs {
  dataset: string;
  'data-dir'?: string;
  archive?: string;
  url?: string;
  force: boolean;
}

export const dataCommand: CommandModule<object, DataArgs> = {
  command: 'data <dataset>',
  describe: 'fetch a data set: `data cifar10` downloads cifar-10-binary.tar.gz, checks its md5 and unpacks it',
  builder: (y) =>
    y
      .positional('dataset', { type: 'string', choices: ['cifar10'], describe: 'data set to fetch' })
      .option('data-dir', { type: 'string', describe: 'data dir (default $INITBENCH_DATA or data/)' })
      .option('archive', { type: 'string', describe: 'unpack this already-downloaded cifar-10-binary.tar.gz instead of downloading' })
      .option('url', { type: 'string', describe: 'download from this mirror instead (the md5 is still checked)' })
      .option('force', { type: 'boolean', default: false, describe: 'fetch and unpack even when the files are already in place' }) as never,
  handler: async (args) => {
    const dataDir = resolveDataDir(args['data-dir']);
    const full = { trainSize: 50000, testSize: 10000, augment: false };
    const log = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    if (!args.force && args.archive === undefined) {
      try {
        const dir = assertCifarFiles(full, { dataDir });
        process.stdout.write(`cifar10 is already in place: ${dir} (use --force to fetch again)\n`);
        return;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
    let archive: string;
    if (args.archive !== undefined) {
      if (!fs.existsSync(args.archive)) throw new InputError(`--archive ${args.archive}: no such file`, { flag: 'archive' });
      archive = args.archive;
    } else {
      try {
        log(`downloading ${args.url ?? CIFAR_URL} into ${dataDir}`);
        archive = await downloadCifar10Archive(dataDir, { log, ...(args.url !== undefined ? { url: args.url } : {}) });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        process.stderr.write(`initbench: ${e.message}\n`);
        process.exitCode = 1;
        return;
      }
    }
    log(`checking md5 of ${archive} and unpacking into ${path.join(dataDir, 'cifar-10-batches-bin')}`);
    const written = await unpackCifar10(archive, dataDir);
    const dir = assertCifarFiles(full, { dataDir });
    process.stdout.write(`cifar10 ready: ${written.length} files in ${dir}\n`);
  },
};
