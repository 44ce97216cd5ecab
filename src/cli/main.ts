/**
 * The CLI: argv → typed options → one library call. The only place that reads argv or exits.
 * Each command lives in src/cli/commands/<name>.ts and is listed in COMMANDS, which gives every
 * command's name and line; only the module of the command being run is loaded (start-up: issue 13).
 */
import yargs from 'yargs';
import { DiskFullError, InputError } from '../core/errors.ts';
import { COMMANDS, commandName } from './commands/index.ts';
import { oneLineYargsMessage } from './yargs-message.ts';

export async function main(argv: string[]): Promise<void> {
  // `initbench … | head` (or `2>&1 | head`) closes our stdout or stderr early: that is the reader's
  // choice, not an error. Stop quietly, exit 0, whatever was still to be written.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName('initbench')
    .usage('$0 <command> [options]\n\nWhat weight initialization does to deep CNNs, measured next to its theory.')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      // yargs' own validation (unknown flag, bad choice) and our InputErrors both exit 2.
      if (err !== undefined && err !== null && !(err instanceof InputError)) throw err;
      const text = err instanceof InputError ? err.message : oneLineYargsMessage(msg);
      process.stderr.write(`initbench: ${text}\n`);
      process.exit(2);
    });
  // a flag given twice comes back as an array, which no single-valued flag expects
  cli.middleware((args) => {
    // getOptions() is yargs' (untyped) view of the running command's options
    const arrays = new Set((cli as unknown as { getOptions(): { array: string[] } }).getOptions().array);
    for (const [k, v] of Object.entries(args)) {
      if (k !== '_' && Array.isArray(v) && !arrays.has(k)) {
        throw new InputError(`--${k}: expected one value, got ${v.length}: ${v.map((x) => JSON.stringify(x)).join(', ')}`, { flag: k });
      }
    }
  }, true);
  // the first command that lets auto pick, on a terminal, says once if tfjs-node is missing
  cli.middleware(async (args) => {
    if (args['backend'] === 'auto') (await import('../backend/notice.ts')).noteMissingTfjsNodeOnce();
  });
  // yargs takes the command from the first word that is not a flag (the top level has only boolean
  // flags): that command gets its module, flags and handler; the others only their usage line, all
  // the overview, the strict checks and did-you-mean need
  const named = argv.find((a) => !a.startsWith('-'));
  for (const c of COMMANDS) {
    if (commandName(c) === named) cli.command({ ...(await c.load()), command: c.command, describe: c.describe });
    else cli.command(c.command, c.describe);
  }
  cli
    .example('$0 bench --quick', 'a smoke run of the default suite and its report, in about a minute')
    .example('$0 run he2015', 'run a shipped suite by the name `initbench list` prints')
    .example('$0 probe --init xavier-normal --depth 30', 'per-layer variances at init beside the theory');
  // no command at all: the overview, as a first look rather than an error
  if (argv.length === 0) {
    cli.showHelp('log');
    return;
  }
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`initbench: ${e.message}\n`);
      exitCode = 2;
    } else if (e instanceof DiskFullError) {
      // a full disk is the machine's state, not a bug: one line, no stack
      process.stderr.write(`initbench: ${e.message}\n`);
      exitCode = e.exitCode;
    } else {
      process.stderr.write(`initbench: ${(e as Error).stack ?? String(e)}\n`);
      exitCode = 1;
    }
  }
  if (exitCode !== 0) process.exit(exitCode);
  if (process.exitCode === undefined) process.exitCode = 0;
}
