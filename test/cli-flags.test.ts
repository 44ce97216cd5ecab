/** Bad flags on the CLI: one line naming the flag and what is allowed, exit 2 (spawned for real). */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBackendList } from '../src/cli/commands/perf.ts';
import { wholeNumber } from '../src/cli/options.ts';
import { parseImplTimeout } from '../src/cli/commands/check.ts';
import { parseTimeout } from '../src/cli/commands/run.ts';
import { InputError } from '../src/core/errors.ts';

const BIN = fileURLToPath(new URL('../bin/initbench.js', import.meta.url));

function cli(...args: string[]): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status: code, stdout, stderr });
    });
  });
}

/** stderr lines that are ours (tfjs prints a banner on load in some paths) */
function ourLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('initbench:'));
}

describe.concurrent('perf: bad flags exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['perf', '--jobs', '0'], /^initbench: --jobs: expected a whole number ≥ 1, got "0"$/],
    [['perf', '--jobs', '-1'], /^initbench: --jobs: expected a whole number ≥ 1, got "-1"$/],
    [['perf', '--jobs', 'abc'], /^initbench: --jobs: expected a whole number ≥ 1, got "abc"$/],
    // a billion workers used to be started (and killed for memory): the maximum is 4 per core
    [['perf', '--jobs', '1000000000'], /^initbench: --jobs: expected at most \d+ workers \(4 per core on \d+ cores; more add memory, not speed\), got "1000000000"$/],
    [['perf', '--backend', 'tpu'], /^initbench: --backends: expected a comma-separated list of node, node-gpu, wasm, cpu, got "tpu"$/],
  ];
  for (const [args, want] of cases) {
    it(`initbench ${args.join(' ')}`, async () => {
      const r = await cli(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = ourLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(want);
    });
  }
});

describe('backends --json', () => {
  it('reports wasm loading with our kernels, cpu loading, and why auto picks what it picks', async () => {
    const r = await cli('backends', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as {
      backends: { name: string; loads: boolean; version: string | null; threads: number | null; kernels: string[] }[];
      auto: { picks: string; reason: string };
    };
    const wasm = report.backends.find((b) => b.name === 'wasm');
    expect(wasm).toMatchObject({ loads: true, version: '4.22.0', threads: 1 });
    expect(wasm!.kernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Identity']));
    expect(report.backends.find((b) => b.name === 'cpu')).toMatchObject({ loads: true, threads: 1, kernels: [] });
    const node = report.backends.find((b) => b.name === 'node')!;
    expect(report.auto.picks).toBe(node.loads ? 'node' : 'wasm');
    expect(report.auto.reason).toMatch(node.loads ? /^node loaded$/ : /^node unavailable: .+; wasm loaded$/);
  });
});

describe('perf flag parsers', () => {
  it('--backends: a list of known backends, deduplicated, in the given order', () => {
    expect(parseBackendList('wasm,cpu')).toEqual(['wasm', 'cpu']);
    expect(parseBackendList(' cpu , wasm,cpu')).toEqual(['cpu', 'wasm']);
  });
  it('--backends: an unknown or empty entry names the flag and the allowed names', () => {
    for (const bad of ['wasm,gpu', '', 'wasm,,cpu', 'auto']) {
      expect(() => parseBackendList(bad)).toThrow(InputError);
      expect(() => parseBackendList(bad)).toThrow(/^--backends: expected a comma-separated list of node, node-gpu, wasm, cpu, got /);
    }
  });
  it('--reps/--warmup: whole numbers at or above their minimum', () => {
    expect(wholeNumber('reps', '7', 5)).toBe(7);
    expect(() => wholeNumber('reps', '3', 5)).toThrow(/^--reps: expected a whole number ≥ 5, got "3"$/);
    expect(() => wholeNumber('warmup', '1.5', 1)).toThrow(/^--warmup: expected a whole number ≥ 1, got "1.5"$/);
  });
});

describe('run --timeout', () => {
  it('whole milliseconds, since AbortSignal.timeout refuses fractions', () => {
    expect(parseTimeout('1.2345')).toBe(1235);
    expect(parseTimeout('0.0001')).toBe(1);
    expect(parseTimeout('90')).toBe(90_000);
    expect(parseTimeout(undefined)).toBeUndefined();
  });
  it('past what a Node timer holds (it would fire after 1 ms), or not > 0, names the flag', () => {
    for (const bad of ['3600000', '0', 'ten', '-5']) {
      expect(() => parseTimeout(bad)).toThrow(/^--timeout: expected seconds > 0 and ≤ 2147483 \(about 24 days\), got /);
    }
  });
});

describe('check --impl --timeout', () => {
  it('milliseconds a Node timer can hold (past 2³¹−1 it fires after 1 ms: every call would time out)', () => {
    expect(parseImplTimeout('250')).toBe(250);
    for (const bad of ['3000000000', '0', 'x']) {
      expect(() => parseImplTimeout(bad)).toThrow(/^--timeout: expected milliseconds > 0 and ≤ 2147483647, got /);
    }
  });
});

describe('a single-valued flag given twice', () => {
  it('exits 2 with one line naming the flag and both values, and writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-flags-'));
    try {
      const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
      const r = await cli('run', 'test/fixtures/suites/tiny.json', '--out', a, '--out', b);
      expect(r.status).toBe(2);
      expect(ourLines(r.stderr)).toEqual([`initbench: --out: expected one value, got 2: ${JSON.stringify(a)}, ${JSON.stringify(b)}`]);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
