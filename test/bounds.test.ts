/**
 * Bounds and bad input (issue 11): sizes a typo can reach (--jobs, plan size) and outputs that cannot
 * be written are exit 2 with one line, before any worker starts and before anything is written.
 * Spawns the real CLI for exit codes and messages; the checks' own logic is tested in-process.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cores } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import { MAX_JOBS_PER_CORE, assertWritableDir, parseJobs } from '../src/cli/options.ts';
import { runOptions } from '../src/cli/commands/run.ts';
import { parseReportOut } from '../src/cli/commands/report.ts';
import { MAX_PLANNED_RUNS } from '../src/suite/index.ts';
import { runsFile } from '../src/results/index.ts';
import { writeResultsDir } from '../src/results/synth.ts';

const BIN = fileURLToPath(new URL('../bin/initbench.js', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-bounds-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

function suiteFile(name: string, suite: object): string {
  const file = path.join(root, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ name, description: 'bounds test', seed: 1, ...suite }));
  return file;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** 100 × 100 points × 10 000 seeds: 10⁸ runs, which used to plan for minutes into 1.7 GB */
const BIG = suiteFile('big', { seeds: 10000, defaults: { input: { height: 4, width: 4, channels: 1 } }, matrix: { depth: range(100), width: range(100) } });
/** two runs, small enough to run on cpu in a moment */
const TINY = suiteFile('tiny', { seeds: 2, defaults: { depth: 2, width: 4, input: { height: 4, width: 4, channels: 1 }, probe: { batch: 2 } }, matrix: { init: ['he-normal'] } });
/** a regular file, under which no directory can be made */
const FILE = path.join(root, 'a-file');
fs.writeFileSync(FILE, 'not a dir\n');

describe.concurrent('spawned: exit 2 with one line, before any worker starts', () => {
  it(`a plan of more than ${MAX_PLANNED_RUNS} runs is refused without --force, naming the count and the axes`, async () => {
    const r = await cli('run', BIG, '--out', path.join(root, 'big-out'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `initbench: ${BIG}: expected at most 100000 planned runs (pass --force to plan more), got up to 100000000: matrix depth 100 × width 100 = 10000 points, × 10000 seeds`,
    );
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(root, 'big-out'))).toBe(false);
  });

  it('with --force, planning says how far it is on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'run', BIG, '--force', '--out', path.join(root, 'big-forced')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no progress line within 120 s; stderr: ${err}`)), 120_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /^planning: .*$/m.exec(err);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    }).finally(() => child.kill('SIGKILL'));
    expect(line).toMatch(/^planning: (checked \d+ of 10000 points|built \d+ of 100000000 runs)$/);
  });

  it('--jobs 1000000000 names the maximum and why', async () => {
    const r = await cli('run', TINY, '--jobs', '1000000000', '--out', path.join(root, 'jobs-out'));
    expect(r.status).toBe(2);
    const max = MAX_JOBS_PER_CORE * cores();
    expect(r.stderr.trim()).toBe(`initbench: --jobs: expected at most ${max} workers (${MAX_JOBS_PER_CORE} per core on ${cores()} cores; more add memory, not speed), got "1000000000"`);
  });

  it('--jobs above the runs to do starts one worker per run, and the header says so', async () => {
    const out = path.join(root, 'capped');
    const r = await cli('run', TINY, '--jobs', String(MAX_JOBS_PER_CORE * cores()), '--backend', 'cpu', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`tiny: 2 runs, 2 workers → ${out}`);
  });

  it('run --out under a regular file: exit 2 naming the flag and the reason, nothing started', async () => {
    const out = path.join(FILE, 'sub');
    const r = await cli('run', TINY, '--backend', 'cpu', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(new RegExp(`^initbench: --out: expected a directory initbench can write to, got "${out}" \\(ENOTDIR: not a directory, mkdir '${out}'\\)$`));
  });

  it('merge --out under a regular file: exit 2 naming the flag', async () => {
    const src = path.join(root, 'merge-src');
    writeResultsDir(src);
    const out = path.join(FILE, 'merged');
    const r = await cli('merge', src, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^initbench: --out: expected a directory initbench can write to, got "${out}" \\(ENOTDIR`));
  });

  it('report DIR --out DIR: exit 2 (a directory), and --out DIR/runs.jsonl leaves the records alone', async () => {
    const dir = path.join(root, 'report-dir');
    writeResultsDir(dir);
    const before = fs.readFileSync(runsFile(dir), 'utf8');
    const same = await cli('report', dir, '--out', dir);
    expect(same.status).toBe(2);
    expect(same.stderr.trim()).toBe(`initbench: --out: expected the HTML file to write, e.g. DIR/report.html, got "${dir}" (that is a directory)`);
    const clobber = await cli('report', dir, '--out', runsFile(dir));
    expect(clobber.status).toBe(2);
    expect(clobber.stderr.trim()).toBe(
      `initbench: --out: expected the HTML file to write, e.g. DIR/report.html, got "${runsFile(dir)}" (a name not ending in .html could overwrite a results file)`,
    );
    expect(fs.readFileSync(runsFile(dir), 'utf8')).toBe(before);
  });
});

describe('the checks in-process', () => {
  it('parseJobs: 1 … 4 × cores pass, more names the maximum', () => {
    const max = MAX_JOBS_PER_CORE * cores();
    expect(parseJobs('1')).toBe(1);
    expect(parseJobs(String(max))).toBe(max);
    expect(() => parseJobs(String(max + 1))).toThrow(InputError);
    expect(() => parseJobs(String(max + 1))).toThrow(`--jobs: expected at most ${max} workers`);
  });

  it('assertWritableDir leaves nothing behind: the dirs it made for the probe are gone again', () => {
    const out = path.join(root, 'probe-made', 'a', 'b');
    assertWritableDir('out', out);
    expect(fs.existsSync(path.join(root, 'probe-made'))).toBe(false);
    // an existing dir keeps what it holds, and no probe file
    const kept = path.join(root, 'probe-kept');
    fs.mkdirSync(kept);
    fs.writeFileSync(path.join(kept, 'x'), '1');
    assertWritableDir('out', kept);
    expect(fs.readdirSync(kept)).toEqual(['x']);
  });

  it.skipIf(process.getuid?.() === 0)('assertWritableDir: a read-only dir is exit-2 input (skipped as root, whom permissions do not stop)', () => {
    const ro = path.join(root, 'read-only');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    expect(() => assertWritableDir('out', path.join(ro, 'out'))).toThrow(/^--out: expected a directory initbench can write to, got .*EACCES/);
    fs.chmodSync(ro, 0o755);
  });

  it('report --out: .html names pass; a directory or another name is refused', () => {
    expect(parseReportOut(undefined)).toBeUndefined();
    expect(parseReportOut(path.join(root, 'page.html'))).toBe(path.join(root, 'page.html'));
    expect(() => parseReportOut(root)).toThrow('(that is a directory)');
    expect(() => parseReportOut(path.join(root, 'manifest.json'))).toThrow('could overwrite a results file');
  });

  it("run --force's help names the plan bound it lifts", () => {
    expect(runOptions.force.describe).toContain(`more than ${MAX_PLANNED_RUNS} runs`);
  });
});
