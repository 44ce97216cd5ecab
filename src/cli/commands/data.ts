import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { InputError } from '../../core/errors.ts';
import type { DataSpec } from '../../core/types.ts';
import { resolveCifarDir } from '../../data/cifar-files.ts';
import { CIFAR_URL, NetworkError, assertArchiveFile, downloadCifar10Archive, parseDownloadUrl, unpackCifar10 } from '../../data/download.ts';
import { assertDataAvailable, resolveDataDir } from '../../data/spec.ts';

interface DataArgs {
  dataset: string;
  'data-dir'?: string;
  archive?: string;
  url?: string;
  force: boolean;
}

export const dataCommand: CommandModule<object, DataArgs> = {
  builder: (y) =>
    y
      .positional('dataset', { type: 'string', choices: ['cifar10'], describe: 'data set to fetch' })
      .option('data-dir', { type: 'string', describe: 'data dir (default $INITBENCH_DATA or data/)' })
      .option('archive', { type: 'string', describe: 'unpack this already-downloaded cifar-10-binary.tar.gz instead of downloading' })
      .option('url', { type: 'string', describe: 'download from this mirror instead (the md5 is still checked)' })
      .option('force', { type: 'boolean', default: false, describe: 'fetch and unpack even when the files are already in place' })
      .example('$0 data cifar10', 'download CIFAR-10 (170 MB) into data/, check its md5, unpack it')
      .example('$0 data cifar10 --archive ~/Downloads/cifar-10-binary.tar.gz', 'unpack a copy you already have') as never,
  handler: async (args) => {
    const dataDir = resolveDataDir(args['data-dir']);
    // the flags first: a bad one is an error even when the data is already in place
    const url = args.url === undefined ? undefined : parseDownloadUrl(args.url);
    if (args.archive !== undefined) assertArchiveFile(args.archive);
    const full: DataSpec = { kind: 'cifar10', trainSize: 50000, testSize: 10000, augment: false };
    const log = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    if (!args.force && args.archive === undefined) {
      try {
        // the check `run` makes: every file at its size and every label byte 0..9
        assertDataAvailable(full, dataDir);
        process.stdout.write(`cifar10 is already in place: ${resolveCifarDir(dataDir)} (use --force to fetch again)\n`);
        return;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        // files there but not usable: say why before fetching over them
        if (fs.existsSync(dataDir)) log(`cifar10 is not usable as it is, so fetching it: ${e.message}`);
      }
    }
    let archive: string;
    if (args.archive !== undefined) {
      archive = args.archive;
    } else {
      try {
        log(`downloading ${url ?? CIFAR_URL} into ${dataDir}`);
        archive = await downloadCifar10Archive(dataDir, { log, ...(url !== undefined ? { url } : {}) });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        process.stderr.write(`initbench: ${e.message}\n`);
        process.exitCode = 1;
        return;
      }
    }
    log(`checking md5 of ${archive} and unpacking into ${path.join(dataDir, 'cifar-10-batches-bin')}`);
    const written = await unpackCifar10(archive, dataDir);
    assertDataAvailable(full, dataDir);
    process.stdout.write(`cifar10 ready: ${written.length} files in ${resolveCifarDir(dataDir)}\n`);
  },
};
