// `initbench check` end to end: the table, the CheckReport file, the exit code.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../src/core/types.ts';

const exec = promisify(execFile);

describe('initbench check --backend cpu', () => {
  it('writes a CheckReport with finite-difference, per-op and whole-model rows, and exits 0', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-check-')), 'check.json');
    const r = await exec('node', ['bin/initbench.js', 'check', '--backend', 'cpu', '--out', out], { timeout: 120_000 });
    // the summary: one line per op family and backend (--verbose gives every case)
    // no case failed, so the failed column is the same on every line: said once above the table
    expect(r.stdout).toMatch(/^all rows: failed 0\nfamily\s+backend\s+cases\s+skipped\s+max abs \(atol\)\s+max rel \(rtol\)/);
    expect(r.stdout).toMatch(/^conv2d\s+cpu\s+\d+\s+6\s/m);
    expect(r.stdout).toMatch(/^model\.plain12\s+cpu\s+\d+\s+0\s/m);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed, 6 skipped in [\d.]+s/);
    const report = JSON.parse(fs.readFileSync(out, 'utf8')) as CheckReport;
    expect(report.formatVersion).toBe(1);
    expect(report.failed).toBe(0);
    expect(report.environment.backend).toBe('cpu');
    const backends = new Set(report.rows.map((x) => x.backend));
    expect([...backends].sort()).toEqual(['cpu', 'reference-fd']);
    expect(report.rows.some((x) => x.op === 'model.plain12.grad' && x.case.endsWith('conv1/kernel'))).toBe(true);
    expect(report.rows.some((x) => x.op === 'conv2d.grad.w' && x.case === 'x=[1,8,8,3] w=[3,3,3,4] s=2 p=same')).toBe(true);
  });

  it('a bad --backend is exit 2', async () => {
    const e = await exec('node', ['bin/initbench.js', 'check', '--backend', 'tpu']).catch((x: { code: number; stderr: string }) => x);
    expect((e as { code: number }).code).toBe(2);
    expect((e as { stderr: string }).stderr).toContain('--backend: expected all or a comma list');
  });
});
