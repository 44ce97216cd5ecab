// Resume for real: a child `initbench run` killed with SIGKILL mid-suite, then rerun.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/core/types.ts';
import { loadSuite } from '../src/suite/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-resume-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const SUITE = 'test/fixtures/suites/resume.json';
const BIN = path.resolve('bin/initbench.js');

function lines(out: string): string[] {
  const f = path.join(out, 'runs.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('initbench run, killed and resumed', () => {
  it('SIGKILL after the first record, then a rerun: the same records as an uninterrupted run, every line parses', async () => {
    const planned = loadSuite(SUITE).plan.runs.map((r) => r.id);
    const out = path.join(root, 'killed');
    const child = spawn(process.execPath, [BIN, 'run', SUITE, '--out', out, '--jobs', '1', '--backend', 'wasm'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    // kill as soon as one run is on disk
    const t0 = Date.now();
    while (lines(out).length < 1 && Date.now() - t0 < 90_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // complete records on disk at the kill (a torn last line, were there one, is cut by the rerun)
    const atKill = lines(out).filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    }).length;
    expect(atKill).toBeGreaterThanOrEqual(1);
    expect(atKill).toBeLessThan(planned.length);

    const rerun = runCli(['run', SUITE, '--out', out, '--jobs', '2', '--backend', 'wasm']);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`(${atKill} already recorded)`);
    // the killed run's lock stayed behind; its pid is dead, so the rerun took it over
    expect(rerun.stdout).toContain(`${path.join(out, '.lock')}: took over a stale lock of pid ${child.pid} (initbench run ${SUITE}, since `);
    const recs = lines(out).map((l) => JSON.parse(l) as RunRecord);
    expect(recs).toHaveLength(planned.length);
    expect(new Set(recs.map((r) => r.id))).toEqual(new Set(planned));
    expect(recs.every((r) => r.status === 'ok')).toBe(true);

    const full = path.join(root, 'uninterrupted');
    const once = runCli(['run', SUITE, '--out', full, '--jobs', '2', '--backend', 'wasm']);
    expect(once.status, once.stderr).toBe(0);
    const ref = lines(full).map((l) => JSON.parse(l) as RunRecord);
    expect(new Set(ref.map((r) => r.id))).toEqual(new Set(recs.map((r) => r.id)));
    const probes = (rs: RunRecord[]) => Object.fromEntries(rs.map((r) => [r.id, r.probe]));
    expect(probes(recs)).toEqual(probes(ref));
  });

  it('a bad suite exits 2 with file:path on stderr, and writes nothing', () => {
    const file = path.join(root, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'bad', description: 'd', seed: 1, matrix: { depth: [1, 2, 'ten'] } }));
    const out = path.join(root, 'bad-out');
    const r = runCli(['run', file, '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: matrix.depth[2]: expected integer ≥ 1, got "ten"`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a bad --shard exits 2 naming the flag', () => {
    const r = runCli(['run', SUITE, '--shard', '4/3', '--out', path.join(root, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--shard: expected k/n with 1 ≤ k ≤ n');
  });
});
