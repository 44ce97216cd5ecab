/**
 * What --help promises, through the real CLI: numeric flags typed [number], choice flags with their
 * choices, examples at the end of every command's help; `initbench` alone is the overview (exit 0);
 * shipped suites by name, with their one-line summaries in `list`.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveSuiteArg, shippedSuites, SUITES_DIR } from '../src/cli/commands/list.ts';
import { COMMANDS } from '../src/cli/commands/index.ts';
import { oneLineYargsMessage } from '../src/cli/yargs-message.ts';

const exec = promisify(execFile);
const BIN = path.resolve('bin/initbench.js');
const names = COMMANDS.map((c) => String(c.command).split(' ')[0]!);

async function help(cmd: string): Promise<string> {
  return (await exec(process.execPath, [BIN, cmd, '--help'], { timeout: 60_000 })).stdout;
}

/** The [type] yargs prints at the end of a flag's help entry (entries span lines when long). */
function flagType(text: string, flag: string): string | undefined {
  const at = text.indexOf(`\n  --${flag} `);
  if (at < 0) return undefined;
  const rest = text.slice(at + 1);
  const next = rest.slice(1).search(/\n {2}--|\n\n/);
  return /\[(number|string|boolean|array)\]/.exec(next < 0 ? rest : rest.slice(0, next + 1))?.[1];
}

describe('initbench COMMAND --help', () => {
  it('ends every command\'s help with 2 or 3 examples that start with initbench COMMAND', async () => {
    const texts = await Promise.all(names.map(help));
    texts.forEach((t, i) => {
      const examples = t.split('\nExamples:\n')[1];
      expect(examples, names[i]).toBeDefined();
      const lines = examples!.trimEnd().split('\n').filter((l) => /^ {2}initbench /.test(l));
      expect(lines.length, names[i]).toBeGreaterThanOrEqual(2);
      expect(lines.length, names[i]).toBeLessThanOrEqual(3);
      for (const l of lines) expect(l.trimStart().startsWith(`initbench ${names[i]}`), l).toBe(true);
    });
  });

  it('types numeric flags [number] and lists the choices of choice flags', async () => {
    const [probe, perf, run, initStats, check] = await Promise.all(['probe', 'perf', 'run', 'init-stats', 'check'].map(help));
    for (const f of ['depth', 'width', 'kernel', 'size', 'channels', 'batch', 'input-std', 'classes', 'seeds', 'seed']) expect(flagType(probe!, f), f).toBe('number');
    for (const f of ['reps', 'warmup', 'jobs']) expect(flagType(perf!, f), f).toBe('number');
    for (const f of ['jobs', 'timeout']) expect(flagType(run!, f), f).toBe('number');
    for (const f of ['samples', 'seed']) expect(flagType(initStats!, f), f).toBe('number');
    expect(flagType(check!, 'timeout')).toBe('number');
    expect(probe).toContain('[choices: "plain", "batchnorm", "residual", "residual-bn"]');
    expect(probe).toContain('[choices: "none", "gap-dense"]');
    expect(probe).toMatch(/\[choices: "auto", "node", "node-gpu", "wasm", "cpu"\]/);
    expect(initStats).toContain('[choices: "fan_in", "fan_out", "fan_avg"]');
    expect(check).toContain('[choices: "NHWC", "NCHW"]');
  });

  it('prints the overview (every command, exit 0) when given no arguments', () => {
    const r = spawnSync(process.execPath, [BIN], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const n of names) expect(r.stdout).toMatch(new RegExp(`^ {2}initbench ${n}\\b`, 'm'));
    expect(r.stderr).toBe('');
  });

  it('refuses a bad number or a bad choice with exit 2 and one line quoting what was typed', () => {
    for (const [args, want] of [
      [['probe', '--depth', 'ten'], 'initbench: --depth: expected a whole number in [1, 9999], got "ten"'],
      [['probe', '--backend', 'cpuu'], 'initbench: --backend: unknown value "cpuu" (did you mean "cpu"?); known: auto, node, node-gpu, wasm, cpu'],
      [['probe', '--depth=1e3'], 'initbench: --depth: expected a whole number in [1, 9999], got "1e3"'],
      [['probe', '--arch', 'resnt'], 'initbench: --arch: unknown value "resnt"; known: plain, batchnorm, residual, residual-bn'],
    ] as const) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toEqual([want]);
    }
  });
});

describe('oneLineYargsMessage', () => {
  it('turns yargs\' multi-line "Invalid values" into one line naming the flag, with a did-you-mean', () => {
    const msg = 'Invalid values:\n  Argument: backend, Given: "cpuu", Choices: "auto", "node", "node-gpu", "wasm", "cpu"';
    expect(oneLineYargsMessage(msg)).toBe('--backend: unknown value "cpuu" (did you mean "cpu"?); known: auto, node, node-gpu, wasm, cpu');
    expect(oneLineYargsMessage('Unknown argument: dpeth')).toBe('Unknown argument: dpeth');
  });
});

describe('suites by name', () => {
  it('resolves the names list prints to the shipped files, and leaves paths and existing files alone', () => {
    for (const s of shippedSuites()) expect(resolveSuiteArg(s.name)).toBe(path.join(SUITES_DIR, `${s.name}.json`));
    expect(resolveSuiteArg('default')).toBe(path.join(SUITES_DIR, 'default.json'));
    expect(resolveSuiteArg('seed-claims')).toBe(path.join(SUITES_DIR, 'seed-claims.json'));
    expect(resolveSuiteArg('suites/he2015.json')).toBe('suites/he2015.json');
    expect(resolveSuiteArg('./nope.json')).toBe('./nope.json');
    // an existing file in the working dir wins over a shipped name
    expect(resolveSuiteArg('package.json')).toBe('package.json');
  });

  it('refuses an unknown name with the shipped names and a did-you-mean', () => {
    expect(() => resolveSuiteArg('he2051')).toThrow(/^suite: unknown suite "he2051" \(did you mean "he2015"\?\); known: activations, cifar10, cifar10-quick, default, delta-orthogonal, delta-orthogonal-quick, edge-of-chaos, edge-of-chaos-quick, he2015, seed-claims, trainability, width/);
    const r = spawnSync(process.execPath, [BIN, 'run', 'seed-claim'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('did you mean "seed-claims"?');
  });

  it('gives every shipped suite a one-line summary that list prints whole', () => {
    const r = spawnSync(process.execPath, [BIN, 'list'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const f of fs.readdirSync(SUITES_DIR).filter((x) => x.endsWith('.json') && x !== 'schema.json')) {
      const j = JSON.parse(fs.readFileSync(path.join(SUITES_DIR, f), 'utf8')) as { name: string; summary?: string };
      expect(j.summary, f).toMatch(/^[^\n]{1,72}$/);
      expect(r.stdout).toMatch(new RegExp(`^ {2}${j.name} +${j.summary!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
  });
});

describe('--version', () => {
  it('prints package.json\'s version, answered before yargs loads, as yargs does with other flags', async () => {
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect((await exec(process.execPath, [BIN, '--version'], { timeout: 60_000 })).stdout).toBe(`${version}\n`);
    expect((await exec(process.execPath, [BIN, '--version', '--backend', 'cpu'], { timeout: 60_000 })).stdout).toBe(`${version}\n`);
  });
});
