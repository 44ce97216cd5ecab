/**
 * `report DIR --json` through the real CLI on a synthesized results dir: one JSON object with the
 * documented fields (README "Machine-readable headlines"), counts equal to runs.jsonl's statuses,
 * exit 0 whatever the verdicts, nothing else on stdout.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeResultsDir } from '../src/results/synth.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-json-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const BIN = path.resolve('bin/initbench.js');

describe('initbench report DIR --json', () => {
  it('prints the headline numbers, the claims with verdicts, the counts by status and the paths written, and exits 0 with a failed run', () => {
    const dir = path.join(tmp, 'results', 'he2015');
    const { records } = writeResultsDir(dir, { suite: 'he2015', inits: ['he-normal', 'xavier-normal'], activations: ['relu'], depths: [22, 30], train: true });
    const r = spawnSync(process.execPath, [BIN, 'report', dir, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    // stdout is the JSON alone: a CI job pipes it straight into a parser
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual(['claims', 'counts', 'dir', 'files', 'formatVersion', 'headline', 'warnings']);
    expect(j['formatVersion']).toBe(1);
    expect(j['dir']).toBe(dir);
    // the counts, against the records the synthesizer wrote
    const expected = { ok: 0, stalled: 0, diverged: 0, failed: 0 };
    for (const rec of records) expected[rec.status]++;
    expect(j['counts']).toEqual(expected);
    expect(expected.failed).toBeGreaterThan(0);
    const claims = j['claims'] as { claim: string; measured: string; verdict: string }[];
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) {
      expect(Object.keys(c).sort()).toEqual(['claim', 'measured', 'verdict']);
      expect(['holds', 'does not hold']).toContain(c.verdict);
    }
    // synthesized Xavier + ReLU loses ½ × the padding factor per layer: the halving claim holds
    expect(claims[0]).toMatchObject({ claim: 'ReLU halves the variance per layer', verdict: 'holds' });
    const headline = j['headline'] as { sentences: string[]; rows: Record<string, unknown>[] };
    expect(headline.sentences.some((s) => s.startsWith('xavier-normal + relu: variance × 0.46 per layer'))).toBe(true);
    const xavier30 = headline.rows.find((x) => x['setting'] === 'xavier-normal + relu' && x['depth'] === 30);
    expect(xavier30).toMatchObject({ outcome: 'learns 0/3 [0.00, 0.56], stalled 2/3, diverged 1/3', learns: { k: 0, n: 3, low: 0 } });
    expect(xavier30!['perLayerRatio'] as number).toBeCloseTo(0.46, 2);
    const files = j['files'] as { report: string; charts: string[]; index: string | null };
    expect(files.report).toBe(path.join(dir, 'report.html'));
    expect(fs.existsSync(files.report)).toBe(true);
    expect(files.charts).toEqual([]);
  });

  it('refuses a missing dir with exit 2 and one line, --json or not', () => {
    const r = spawnSync(process.execPath, [BIN, 'report', path.join(tmp, 'nope'), '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
