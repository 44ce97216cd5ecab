/**
 * Start-up and quiet: the CLI's yargs setup and command modules load nothing heavy; bin/initbench.js
 * runs the compiled dist/ only while its stamp matches the sources; the build emits runnable JS; no
 * tfjs banner; `check` summarises unless --verbose; a reader closing the pipe early ends a command
 * quietly with exit 0; the missing-tfjs-node note comes once. (Start-up times live in `npm run perf`.)
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { installedVersion, likelyAutoPick } from '../src/backend/choices.ts';
import { noteMissingTfjsNodeOnce } from '../src/backend/notice.ts';
import { summarize } from '../src/check/table.ts';
import type { CheckRow } from '../src/core/types.ts';
import { STAMP, distIsFresh, sourceFingerprint } from '../scripts/dist-stamp.mjs';
import { COMMANDS, commandName } from '../src/cli/commands/index.ts';
import { COMMAND_CASES, HELP_COMMANDS, commandCaseName } from '../src/perf/commands.ts';
import { loadedBy } from './fixtures/loads/loaded-by.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/initbench.js');
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-startup-'));

function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

describe('start-up loads nothing heavy', () => {
  const heavy = (loads: string[]): string[] => loads.filter((u) => /node_modules\/(@tensorflow|vega|piscina|@sinclair\/typebox|ajv|@resvg)/.test(u));

  it('the CLI itself (yargs and the command table: what --help and the overview load) loads no command module and nothing heavy', () => {
    const loads = loadedBy('src/cli/main.ts');
    // the hook saw the CLI: an empty list would pass vacuously
    expect(loads.some((u) => u.endsWith('/src/cli/commands/index.ts'))).toBe(true);
    expect(loads.filter((u) => /\/src\/cli\/commands\/(?!index\.ts$)/.test(u))).toEqual([]);
    expect(heavy(loads)).toEqual([]);
  });

  it('every command module (what COMMAND --help loads besides the CLI) loads no tfjs, vega, pool or suite schema', () => {
    const loads = loadedBy('test/fixtures/loads/all-commands.ts');
    for (const c of COMMANDS) expect(loads.some((u) => u.endsWith(`/src/cli/commands/${commandName(c)}.ts`)), c.command).toBe(true);
    expect(heavy(loads)).toEqual([]);
  });
});

describe('npm run perf --sections commands', () => {
  it('times the --help of every command the CLI has, against the start-up target', () => {
    expect([...HELP_COMMANDS].sort()).toEqual(COMMANDS.map(commandName).sort());
    for (const name of HELP_COMMANDS) {
      const c = COMMAND_CASES.find((x) => commandCaseName(x) === `initbench ${name} --help`);
      expect(c?.target?.ms, name).toBe(250);
    }
  });
});

/** A throwaway tree with the real bin/ and scripts/, node_modules linked, and one-line stand-ins for main. */
function fakeTree(): string {
  const dir = tmp();
  for (const f of ['bin/initbench.js', 'scripts/dist-stamp.mjs', 'scripts/build.mjs', 'scripts/string-width.mjs', 'tsconfig.json']) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  fs.mkdirSync(path.join(dir, 'src/cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src/cli/main.ts'), "export async function main(argv: string[]): Promise<void> {\n  process.stdout.write(`src ${argv.join(' ')}\\n`);\n}\n");
  return dir;
}

function writeFakeDist(dir: string, stamp: boolean): void {
  fs.mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist/cli/main.js'), "export async function main(argv) {\n  process.stdout.write(`dist ${argv.join(' ')}\\n`);\n}\n");
  if (stamp) fs.writeFileSync(path.join(dir, STAMP), sourceFingerprint(dir));
}

describe('bin/initbench.js runs dist/ only when it was built from the current sources', () => {
  it('never built: the sources, through tsx', async () => {
    const dir = fakeTree();
    expect(await run([path.join(dir, 'bin/initbench.js'), 'a', 'b'], { cwd: dir })).toMatchObject({ status: 0, stdout: 'src a b\n' });
  });

  it('a dist/ without a stamp (a build cut short) is not trusted', async () => {
    const dir = fakeTree();
    writeFakeDist(dir, false);
    expect(distIsFresh(dir)).toBe(false);
    expect((await run([path.join(dir, 'bin/initbench.js'), 'x'], { cwd: dir })).stdout).toBe('src x\n');
  });

  it('stamped: dist/; then an edited, an added or a removed source makes it stale again', async () => {
    const dir = fakeTree();
    writeFakeDist(dir, true);
    expect((await run([path.join(dir, 'bin/initbench.js'), 'x'], { cwd: dir })).stdout).toBe('dist x\n');

    // an edit: new content (and mtime), as a user's save makes
    const main = path.join(dir, 'src/cli/main.ts');
    fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('`src ', '`edited '));
    expect(distIsFresh(dir)).toBe(false);
    expect((await run([path.join(dir, 'bin/initbench.js'), 'x'], { cwd: dir })).stdout).toBe('edited x\n');

    fs.writeFileSync(path.join(dir, STAMP), sourceFingerprint(dir));
    expect(distIsFresh(dir)).toBe(true);
    fs.writeFileSync(path.join(dir, 'src/cli/extra.ts'), 'export const x = 1;\n');
    expect(distIsFresh(dir)).toBe(false);

    fs.writeFileSync(path.join(dir, STAMP), sourceFingerprint(dir));
    fs.rmSync(path.join(dir, 'src/cli/extra.ts'));
    expect(distIsFresh(dir)).toBe(false);

    // what the build emits depends on its script and, through the lockfile, on the dependencies it inlines
    fs.writeFileSync(path.join(dir, STAMP), sourceFingerprint(dir));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dir, 'scripts/build.mjs'), later, later);
    expect(distIsFresh(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, STAMP), sourceFingerprint(dir));
    fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
    expect(distIsFresh(dir)).toBe(false);
  });
});

describe('scripts/build.mjs', () => {
  it('bundles src/ into dist/, copies the .mjs files, and stamps it: bin runs the build, even without node_modules', async () => {
    const dir = fakeTree();
    fs.writeFileSync(path.join(dir, 'src/cli/greet.ts'), "export const greet = (who: string): string => `built ${who}`;\n");
    fs.writeFileSync(path.join(dir, 'src/cli/main.ts'), "import { greet } from './greet.ts';\nexport async function main(argv: string[]): Promise<void> {\n  process.stdout.write(greet(argv.join(' ')) + '\\n');\n}\n");
    fs.writeFileSync(path.join(dir, 'src/cli/boot.mjs'), '// a worker bootstrap\n');
    const r = await run([path.join(dir, 'scripts/build.mjs')], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist/cli/greet.js'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'dist/cli/boot.mjs'), 'utf8')).toBe('// a worker bootstrap\n');
    expect(distIsFresh(dir)).toBe(true);
    // node_modules/tsx unlinked: only the built code can answer now
    fs.unlinkSync(path.join(dir, 'node_modules'));
    expect(await run([path.join(dir, 'bin/initbench.js'), 'ok'], { cwd: dir })).toMatchObject({ status: 0, stdout: 'built ok\n' });
  });

  it('a task module (it exports handlers) is dist/X.js, the one instance a worker gets by its URL; import.meta.url is the module\'s dist/ path', async () => {
    const dir = fakeTree();
    fs.mkdirSync(path.join(dir, 'src/stage'));
    fs.writeFileSync(path.join(dir, 'src/stage/tasks.ts'), "export const handlers = { n: 0 };\nexport const url = import.meta.url;\n");
    // main imports the task module as the main thread does, then by its URL as a pool worker does
    fs.writeFileSync(
      path.join(dir, 'src/cli/main.ts'),
      [
        "import { fileURLToPath } from 'node:url';",
        "import { handlers, url } from '../stage/tasks.ts';",
        'export async function main(): Promise<void> {',
        '  const byUrl = (await import(url)) as { handlers: unknown };',
        "  process.stdout.write(`${fileURLToPath(url).slice(process.cwd().length + 1)} ${byUrl.handlers === handlers}\\n`);",
        '}',
        '',
      ].join('\n'),
    );
    expect(await run([path.join(dir, 'bin/initbench.js')], { cwd: dir })).toMatchObject({ status: 0, stdout: 'src/stage/tasks.ts true\n' });
    expect((await run([path.join(dir, 'scripts/build.mjs')], { cwd: dir })).status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist/stage/tasks.js'))).toBe(true);
    expect(await run([path.join(dir, 'bin/initbench.js')], { cwd: dir })).toMatchObject({ status: 0, stdout: 'dist/stage/tasks.js true\n' });
  });

  it('yargs\' help from the bundle is the help from the sources: wide, emoji and combining characters, and yargs\' own locales', async () => {
    const dir = fakeTree();
    const describe = 'wide 漢字 and 🎉 emoji, ≤ narrow, e\\u0301 combined, ℝ, and plain words to wrap the line';
    fs.writeFileSync(
      path.join(dir, 'src/cli/main.ts'),
      `import yargs from 'yargs';\nexport async function main(argv: string[]): Promise<void> {\n  await yargs(argv).scriptName('x').wrap(50).command('go', '${describe}').parseAsync();\n}\n`,
    );
    // yargs reads its strings for the user's language from its locales/ folder, found by its import.meta.url
    const german = { ...process.env, LANG: 'de_DE.UTF-8', LC_ALL: '' };
    const help = (env?: NodeJS.ProcessEnv) => run([path.join(dir, 'bin/initbench.js'), '--help'], env === undefined ? { cwd: dir } : { cwd: dir, env });
    const [fromSrc, fromSrcDe] = [await help(), await help(german)];
    expect(fromSrc.status, fromSrc.stderr).toBe(0);
    // the layout counts 漢字 and 🎉 two columns each: the wrapped line ends earlier than 50
    expect(fromSrc.stdout).toContain('  x go  wide 漢字 and 🎉 emoji, ≤ narrow, é\n');
    expect(fromSrcDe.stdout).toContain('Hilfe anzeigen');
    expect((await run([path.join(dir, 'scripts/build.mjs')], { cwd: dir })).status).toBe(0);
    expect(distIsFresh(dir)).toBe(true);
    expect(await help()).toEqual(fromSrc);
    expect(await help(german)).toEqual(fromSrcDe);
  });
});

describe('scripts/string-width.mjs, the bundle\'s string-width for yargs\' help', () => {
  it('measures itself only characters that string-width 8 makes one column wide and that never join a neighbour into one grapheme', async () => {
    const { default: stringWidth, ONE_COLUMN } = await import('../scripts/string-width.mjs');
    const yargsRequire = createRequire(createRequire(import.meta.url).resolve('yargs/package.json'));
    const { default: stringWidth8 } = (await import(pathToFileURL(yargsRequire.resolve('string-width')).href)) as { default: (s: string) => number };
    const segmenter = new Intl.Segmenter();
    const bad: string[] = [];
    let own = 0;
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      if (!ONE_COLUMN.test(ch)) continue;
      own++;
      const s = `a${ch}${ch}b`;
      if (stringWidth8(ch) !== 1 || stringWidth8(s) !== 4 || [...segmenter.segment(s)].length !== 4 || stringWidth(s) !== 4) bad.push(c.toString(16));
    }
    expect(bad).toEqual([]);
    // ASCII, Latin, Greek, Cyrillic, punctuation, arrows, math, box drawing: thousands, not a vacuous few
    expect(own).toBeGreaterThan(3000);
    for (const ch of ['\u00ad', '\u0301', '\u200d', '\ufe0f', '\u1100', '漢', '\ud83c']) expect(ONE_COLUMN.test(`a${ch}`), ch).toBe(false);
  });
});

describe('tfjs prints no banner', () => {
  it('control: tfjs on its cpu backend, without our backend module, prints "Hi, looks like you are running TensorFlow.js in Node.js"', () => {
    const script = "const tf = await import('@tensorflow/tfjs'); await tf.setBackend('cpu'); tf.tensor([1, 2]).dispose();";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Hi, looks like you are running TensorFlow.js in Node.js');
  });

  it('initbench probe on the cpu backend: the probe table, and no banner on stdout or stderr', async () => {
    const r = await run([BIN, 'probe', '--depth', '2', '--width', '2', '--size', '4', '--batch', '2', '--seeds', '1', '--backend', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('cpu (pure JS)');
    expect(r.stdout).toMatch(/^conv2 /m);
    expect(r.stdout + r.stderr).not.toContain('Hi, looks like');
    expect(r.stdout + r.stderr).not.toContain('============================');
  });
});

describe('check: a summary per op family and backend; --verbose: every case', () => {
  const impl = path.join(root, 'examples/my-conv.ts');

  it('summarize keeps, per family and backend, the error that used most of its own tolerance', () => {
    const row = (op: string, maxAbs: number, atol: number, maxRel: number, rtol: number, verdict: CheckRow['verdict'] = 'pass'): CheckRow => ({
      op, case: 'c', backend: 'cpu', maxAbs, maxRel, atol, rtol, mismatches: 0, verdict, detail: null,
    });
    const s = summarize([
      // 2e-6 is the larger error but uses 2 % of its 1e-4; 5e-7 uses 50 % of its 1e-6
      row('conv2d.forward', 2e-6, 1e-4, 1e-6, 1e-3),
      row('conv2d.grad.x', 5e-7, 1e-6, 3e-6, 1e-3),
      row('conv2d.grad.w', 0, 1e-6, 0, 1e-3, 'fail'),
      row('model.plain12.pre', 1e-5, 1e-3, 1e-4, 1e-3),
      row('model.plain12.grad', 1e-6, 1e-3, 1e-4, 1e-3, 'skip'),
    ]);
    expect(s).toEqual([
      { family: 'conv2d', backend: 'cpu', cases: 3, failed: 1, skipped: 0, abs: { err: 5e-7, tol: 1e-6 }, rel: { err: 3e-6, tol: 1e-3 } },
      { family: 'model.plain12', backend: 'cpu', cases: 2, failed: 0, skipped: 1, abs: { err: 1e-5, tol: 1e-3 }, rel: { err: 1e-4, tol: 1e-3 } },
    ]);
  });

  it('check --impl examples/my-conv.ts: one summary line per function family it exports, counting the lines --verbose prints', async () => {
    const [summary, verbose] = await Promise.all([run([BIN, 'check', '--impl', impl]), run([BIN, 'check', '--impl', impl, '--verbose'])]);
    for (const r of [summary, verbose]) expect(r.status, r.stderr).toBe(0);
    // the lines of the table whose header matches, between its dashes and the next blank line
    const table = (out: string, head: RegExp): string[] => {
      const lines = out.split('\n');
      const start = lines.findIndex((l) => head.test(l));
      expect(start).toBeGreaterThanOrEqual(0);
      return lines.slice(start + 2, lines.indexOf('', start));
    };
    const cases = table(verbose.stdout, /^op\s+case/);
    const count = (family: string): string => String(cases.filter((l) => l.startsWith(`${family}.`)).length);
    // my-conv.ts exports conv2d, dense and relu (each with its backward); every row is backend impl,
    // which the table prints once above it
    expect(summary.stdout).toMatch(/^all rows: backend impl, failed 0, skipped 0$/m);
    expect(table(summary.stdout, /^family\s+cases/).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['conv2d', count('conv2d')],
      ['dense', count('dense')],
      ['relu', count('relu')],
    ]);
    expect(cases.length).toBeGreaterThan(50);
    expect(summary.stdout.split('\n').length).toBeLessThan(20);
  });
});

describe('a reader that closes the pipe early', () => {
  it('initbench list with its stdout closed before it writes: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'list'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // the read end closes at once: every write the command makes meets EPIPE
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('initbench check --impl … 2>&1 | head -n 1: the first line, then exit 0 with no error', () => {
    // the first line is written at once, the tables seconds later, after head has exited; pipefail
    // makes the pipeline's status initbench's, and execFileSync throws on any but 0
    const out = execFileSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" check --impl examples/my-conv.ts 2>&1 | head -n 1`], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/^examples\/my-conv\.ts \(NHWC, nested arrays\): testing conv2d/);
    expect(out.split('\n')).toHaveLength(2);
  });
});

describe('the missing-tfjs-node note', () => {
  it('on a terminal: said once, naming the backend auto uses and how to get tfjs-node; never on a pipe', () => {
    const marker = path.join(tmp(), 'cache', 'initbench', 'said-tfjs-node-missing');
    const said: string[] = [];
    const tty = { isTTY: true, write: (s: string) => said.push(s) };
    const pipe = { isTTY: false, write: (s: string) => said.push(s) };
    expect(noteMissingTfjsNodeOnce(pipe, marker)).toBe(false);
    expect(fs.existsSync(marker)).toBe(false);
    if (installedVersion('node') !== null) {
      // tfjs-node is here: nothing to say
      expect(noteMissingTfjsNodeOnce(tty, marker)).toBe(false);
      expect(said).toEqual([]);
      return;
    }
    expect(noteMissingTfjsNodeOnce(tty, marker)).toBe(true);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^initbench: --backend auto uses ${likelyAutoPick()} here: @tensorflow/tfjs-node is not installed`));
    expect(said[0]).toContain('npm install @tensorflow/tfjs-node');
    expect(said[0]).toContain(marker);
    expect(fs.existsSync(marker)).toBe(true);
    expect(noteMissingTfjsNodeOnce(tty, marker)).toBe(false);
    expect(said).toHaveLength(1);
  });
});
