import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InitAuditRow } from '../src/core/types.ts';
import { INITIALIZER_NAMES } from '../src/init/index.ts';
import { InputError } from '../src/core/errors.ts';
import { initStatsCommand } from '../src/cli/commands/init-stats.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'initbench.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, 'init-stats', ...args], { cwd: path.resolve(import.meta.dirname, '..') });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('initbench init-stats: bad input exits 2 naming the argument', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown initializer', ['--init', 'he-nromal'], /--init: unknown initializer "he-nromal" \(did you mean "he-normal"\?\); known: he-normal,.*tfjs:default/],
    ['zero dim', ['--init', 'he-normal', '--shape', '3,0,4'], /--shape: expected comma-separated whole numbers ≥ 1.*got "3,0,4" \(dimension 2 is 0\)/],
    ['negative dim', ['--init', 'he-normal', '--shape', '3,-3,4'], /--shape: .*dimension 2 is -3/],
    ['non-integer dim', ['--init', 'he-normal', '--shape', '3,3.5,4'], /--shape: .*dimension 2 is 3.5/],
    ['gain ≤ 0', ['--init', 'orthogonal', '--gain', '0'], /--gain: expected a gain > 0, got 0/],
    ['orthogonal on 1-D', ['--init', 'orthogonal', '--shape', '5'], /--init orthogonal with --shape 5: orthogonal needs a weight shape of rank ≥ 2/],
    ['delta-orthogonal cin > cout', ['--init', 'delta-orthogonal', '--shape', '3,3,8,4'], /--shape 3,3,8,4: delta-orthogonal needs cin ≤ cout.*cin 8 > cout 4/],
    ['delta-orthogonal even kernel', ['--init', 'delta-orthogonal', '--shape', '2,2,4,4'], /delta-orthogonal needs an odd kernel size/],
    // bounds, so a typo cannot run out of memory or run for hours
    ['10¹⁰ entries per draw', ['--init', 'he-normal', '--shape', '100000,100000'], /--shape: expected at most 10000000 entries per draw \(40 MB of float32\), got "100000,100000" \(100000×100000 = 10000000000 entries\)/],
    ['10⁹ entries pooled', ['--init', 'he-normal', '--shape', '1000,1000', '--samples', '1000'], /--samples: expected at most 100 draws of 1000×1000 \(100000000 entries pooled\), got 1000/],
    ['a QR too large for orthogonal', ['--init', 'orthogonal', '--shape', '2000,2000'], /--init orthogonal with --shape 2000,2000: 1 draw of a 2000×2000 orthogonal matrix take QR work K·m·n² = 8\.0e\+9, more than the 3e\+8/],
  ];
  // Spawning costs seconds of tsx + tfjs start-up each: spawn a few concurrently for the exit code and
  // the printed line, and check every case's message in-process through the command's handler.
  it.concurrent.each(cases.filter((_, i) => [0, 1, 6, 8].includes(i)))('spawned: %s → exit 2', async (_, args, msg) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^initbench: .*${msg.source}`));
    expect(r.stdout).toBe('');
  });
  it.each(cases)('handler: %s → InputError', async (_, args, msg) => {
    const argv: Record<string, unknown> = { all: false, shape: '3,3,64,64', activation: 'relu', seed: '1', json: false, out: 'unused', backend: 'cpu' };
    for (let i = 0; i < args.length; i += 2) argv[args[i]!.slice(2)] = /^--(gain)$/.test(args[i]!) ? Number(args[i + 1]) : args[i + 1];
    const handler = initStatsCommand.handler as (a: unknown) => Promise<void>;
    const err = await handler(argv).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(msg);
  });
});

describe('initbench init-stats --all --json', () => {
  it('audits every initializer, writes the rows file, flags tfjs VarianceScaling normals', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-stats-'));
    const out = path.join(dir, 'init-stats.json');
    const r = await run(['--all', '--json', '--shape', '3,3,64,64', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const rows = JSON.parse(fs.readFileSync(out, 'utf8')) as InitAuditRow[];
    expect(JSON.parse(r.stdout)).toEqual(rows);
    expect(rows.map((x) => x.init)).toEqual([...INITIALIZER_NAMES]);
    const deviating = rows.filter((x) => x.verdict === 'deviates').map((x) => x.init);
    expect(deviating).toEqual(['tfjs:heNormal', 'tfjs:glorotNormal', 'tfjs:leCunNormal', 'tfjs:default']);
    for (const row of rows.filter((x) => deviating.includes(x.init))) expect(Math.abs(row.ratio - 0.774)).toBeLessThan(0.015);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
