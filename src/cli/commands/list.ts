import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { InputError, unknownNameMessage } from '../../core/errors.ts';
import { BACKEND_NAMES, HOW_TO, installedVersion } from '../../backend/choices.ts';
import { ACTIVATION_NAMES, INITIALIZER_NAMES } from '../../init/index.ts';
import { ARCH_KINDS } from '../../suite/defaults.ts';

/** The suites/ folder that ships with the package. */
export const SUITES_DIR = fileURLToPath(new URL('../../../suites/', import.meta.url));

export interface ShippedSuite {
  name: string;
  file: string;
  description: string;
  /** the suite's one-line `summary`, or its description's first sentence when it has none */
  summary: string;
}

/** Every suites/*.json but the schema, by name, with its description (unreadable ones say so). */
export function shippedSuites(dir = SUITES_DIR): ShippedSuite[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; description?: string; summary?: string };
        const description = j.description ?? '';
        return { name: j.name ?? f, file: path.relative(process.cwd(), file), description, summary: j.summary ?? firstSentence(description) };
      } catch (e) {
        const why = `(unreadable: ${(e as Error).message})`;
        return { name: f, file, description: why, summary: why };
      }
    });
}

function firstSentence(text: string): string {
  const m = /^.*?[.:](?=\s|$)/.exec(text);
  return (m?.[0] ?? text).replace(/:$/, '');
}

/**
 * `run NAME`: a name with no path separator that is not an existing file is a shipped suite,
 * suites/NAME.json (the names `list` prints); anything else is a file path, as before.
 */
export function resolveSuiteArg(v: string, dir = SUITES_DIR): string {
  if (/[\\/]/.test(v) || fs.existsSync(v)) return v;
  const file = path.join(dir, `${v.replace(/\.json$/, '')}.json`);
  if (fs.existsSync(file)) return file;
  const names = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json').map((f) => f.slice(0, -'.json'.length)).sort();
  throw new InputError(`suite: ${unknownNameMessage('suite', v, names)} (or give a suite file's path)`, { flag: 'suite' });
}

export const listCommand: CommandModule<object, { json: boolean }> = {
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .example('$0 list', 'the shipped suites with a line each, and every name a suite or flag takes')
      .example('$0 list --json', 'the same as JSON') as never,
  handler: async (args) => {
    const suites = shippedSuites();
    // installed or not, read from package.json files: loading tfjs-node to see that it loads takes seconds (`initbench backends` does)
    const backends = BACKEND_NAMES.map((name) => ({ name, version: installedVersion(name), howTo: HOW_TO[name] }));
    if (args.json) {
      const out = { suites, initializers: INITIALIZER_NAMES, activations: ACTIVATION_NAMES, architectures: ARCH_KINDS, backends };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    const w = (s: string) => process.stdout.write(s + '\n');
    w('Suites (initbench run NAME):');
    const pad = Math.max(...suites.map((s) => s.name.length), 4);
    // one line each: a list, not the studies themselves
    for (const s of suites) w(`  ${s.name.padEnd(pad)}  ${s.summary}`);
    w('\nInitializers:');
    w(`  ${INITIALIZER_NAMES.join(', ')}`);
    w('\nActivations:');
    w(`  ${ACTIVATION_NAMES.join(', ')}`);
    w('\nArchitectures:');
    w(`  ${ARCH_KINDS.join(', ')}`);
    w('\nBackends:');
    for (const b of backends) w(`  ${b.name.padEnd(9)} ${b.version !== null ? `installed ${b.version}` : `missing: ${b.howTo}`}`);
    w('  (`initbench backends` loads each and says what --backend auto picks)');
  },
};
