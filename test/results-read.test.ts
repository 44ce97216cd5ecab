// Reading the results format: every record, the manifest and the side files are validated, not cast;
// bad lines are named (file:line, the first problem as a JSON path and what belongs there) and skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import type { Environment, RunRecord } from '../src/core/types.ts';
import {
  mergeResults, parseRuns, readCheckReport, readInitStats, readManifest, readResults, readRuns, readSamples,
} from '../src/results/index.ts';
import { synthAudit, synthCheck, synthRecords, synthSamples, writeResultsDir } from '../src/results/synth.ts';
import { writeReport } from '../src/report/index.ts';
import { runSuite, type Executor } from '../src/run/runner.ts';
import { loadSuite } from '../src/suite/index.ts';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-read-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const { records: SYNTH } = synthRecords({ train: true, depths: [10], seeds: 2, inits: ['he-normal', 'xavier-normal'] });
const OK = SYNTH.find((r) => r.status === 'ok')!;
const line = (v: unknown) => JSON.stringify(v);
/** A record as written before formatVersion existed. */
function legacy(r: RunRecord): Record<string, unknown> {
  const { formatVersion: _v, ...rest } = r;
  return rest;
}
const collect = () => {
  const warnings: string[] = [];
  return { warnings, warn: (w: string) => void warnings.push(w) };
};

describe('runs.jsonl lines are validated', () => {
  it('{"id": …, "status": "ok"} is skipped, named by file:line and its first missing field', () => {
    const { records, bad, warnings } = parseRuns(`${line(OK)}\n${line({ id: OK.id, status: 'ok' })}\n`, 'd/runs.jsonl');
    expect(records).toEqual([OK]);
    expect(bad).toEqual([{ line: 2, why: 'suiteHash: expected a string, got nothing', id: OK.id }]);
    expect(warnings).toEqual(['d/runs.jsonl:2: suiteHash: expected a string, got nothing; skipped it']);
  });

  // each row: what is wrong with an otherwise good record → the reason given
  const cases: [string, unknown, string][] = [
    ['spec.arch.depth a string', { ...OK, spec: { ...OK.spec, arch: { ...OK.spec.arch, depth: 'ten' } } }, 'spec.arch.depth: expected integer, got "ten"'],
    [
      'a probe layer mean a string',
      { ...OK, probe: { ...OK.probe!, layers: [{ ...OK.probe!.layers[0]!, pre: { mean: 'x', variance: 1, secondMoment: 1 } }] } },
      'probe.layers[0].pre.mean: expected number or null, got "x"',
    ],
    ['a probe of 7', { ...OK, probe: 7 }, 'probe: expected an object or null, got 7'],
    ['data of an unknown kind', { ...OK, spec: { ...OK.spec, data: { kind: 'mnist' } } }, 'spec.data.kind: expected one of "synthetic", "cifar10", got "mnist"'],
    ['an unknown status', { ...OK, status: 'weird' }, 'status: expected one of "ok", "stalled", "diverged", "failed", got "weird"'],
    ['status failed without error', { ...OK, status: 'failed', probe: null, train: null }, 'error: expected an object, got nothing'],
    ['status stalled without train', { ...OK, status: 'stalled', train: null, reason: 'r' }, 'train: expected an object, got null'],
    ['formatVersion "one"', { ...OK, formatVersion: 'one' }, 'formatVersion: expected 1, got "one"'],
    ['an array', [1, 2], 'expected a run record (an object), got an array of 2'],
    ['null', null, 'expected a run record (an object), got null'],
  ];
  for (const [name, value, why] of cases) {
    it(`${name}: "${why}"`, () => {
      const { records, bad } = parseRuns(`${line(value)}\n`, 'runs.jsonl');
      expect(records).toEqual([]);
      expect(bad.map((b) => b.why)).toEqual([why]);
    });
  }

  it('a line that is not JSON, and a truncated last line, are named; the lines around them are read', () => {
    const { records, warnings } = parseRuns(`${line(OK)}\ngarbage\n${line(OK)}\n{"id":"x","sta`, 'runs.jsonl');
    expect(records).toHaveLength(2);
    expect(warnings[0]).toMatch(/^runs\.jsonl:2: not JSON \(.+\); skipped it$/);
    expect(warnings[1]).toBe('runs.jsonl:4: truncated (an interrupted write); skipped it');
  });

  it('a record without formatVersion (written before it existed) reads as version 1', () => {
    const { records, bad } = parseRuns(`${line(legacy(OK))}\n`, 'runs.jsonl');
    expect(bad).toEqual([]);
    expect(records).toEqual([OK]);
    expect(records[0]!.formatVersion).toBe(1);
  });

  it('a record of a newer formatVersion is skipped with a warning saying to upgrade', () => {
    const { records, warnings } = parseRuns(`${line({ ...OK, formatVersion: 2 })}\n${line(OK)}\n`, 'runs.jsonl');
    expect(records).toEqual([OK]);
    expect(warnings).toEqual(['runs.jsonl:1: formatVersion 2 is newer than this initbench reads (1); upgrade initbench to read it; skipped it']);
  });

  it('every status the synthesizer writes (ok, stalled, diverged, failed) reads back as written, old and new', () => {
    const { records: all } = synthRecords({ train: true, depths: [10, 30], seeds: 3 });
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(['ok', 'stalled', 'diverged', 'failed']));
    const text = all.map((r, i) => line(i % 2 === 0 ? legacy(r) : r) + '\n').join('');
    const { records, bad } = parseRuns(text, 'runs.jsonl');
    expect(bad).toEqual([]);
    expect(records).toEqual(all);
  });
});

describe('the manifest is validated', () => {
  function withManifest(m: unknown): string {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
    return dir;
  }
  const { manifest } = synthRecords({ depths: [10], seeds: 1 });

  it('one without its suite is an InputError naming the file and the path', () => {
    const { suite: _s, ...noSuite } = manifest;
    const dir = withManifest(noSuite);
    expect(() => readManifest(dir)).toThrow(InputError);
    expect(() => readManifest(dir)).toThrow(`${path.join(dir, 'manifest.json')}: suite: expected an object, got nothing`);
  });

  it('a plan entry of the wrong shape is named by its index', () => {
    const dir = withManifest({ ...manifest, plan: [manifest.plan[0], { ...manifest.plan[0], seed: 'x' }] });
    expect(() => readManifest(dir)).toThrow('manifest.json: plan[1].seed: expected integer, got "x"');
  });

  it('one of a newer formatVersion says to upgrade', () => {
    expect(() => readManifest(withManifest({ ...manifest, formatVersion: 2 }))).toThrow(/manifest\.json: formatVersion 2 is newer than this initbench reads \(1\); upgrade initbench/);
  });

  it('one without formatVersion reads as version 1', () => {
    const { formatVersion: _v, ...old } = manifest;
    expect(readManifest(withManifest(old))).toEqual(manifest);
  });

  it('one that is not JSON is an InputError naming the file', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"formatVersion": 1,');
    expect(() => readManifest(dir)).toThrow(/manifest\.json: not valid JSON \(/);
  });
});

describe('side files are validated; a bad one is a warning, not silence', () => {
  it('an unreadable samples.json is a warning (it was silently no samples)', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'samples.json'), '[{"label": ');
    const c = collect();
    expect(readSamples(dir, c)).toEqual([]);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/samples\.json: not valid JSON \(.+\); left out$/);
  });

  it('a bad samples.json entry is left out with its path; the good ones are read', () => {
    const dir = tmp();
    const [s] = synthSamples();
    fs.writeFileSync(path.join(dir, 'samples.json'), JSON.stringify([s, { ...s, images: 'none' }]));
    const c = collect();
    expect(readSamples(dir, c)).toEqual([s]);
    expect(c.warnings).toEqual([`${path.join(dir, 'samples.json')}: [1].images: expected an array of an array of number, got "none"; left out that data sample set`]);
  });

  it('an absent samples.json is no samples and no warning', () => {
    const c = collect();
    expect(readSamples(tmp(), c)).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it('a check.json without rows is a warning and null', () => {
    const file = path.join(tmp(), 'check.json');
    const { rows: _r, ...noRows } = synthCheck();
    fs.writeFileSync(file, JSON.stringify(noRows));
    const c = collect();
    expect(readCheckReport(file, c)).toBeNull();
    expect(c.warnings).toEqual([`${file}: rows: expected an array of an object, got nothing; left out`]);
  });

  it('a bad init-stats row is left out by its index; the rest are read', () => {
    const file = path.join(tmp(), 'init-stats.json');
    const rows = synthAudit();
    fs.writeFileSync(file, JSON.stringify([rows[0], { ...rows[1], ratio: 'x' }, rows[2]]));
    const c = collect();
    expect(readInitStats(file, c)).toEqual([rows[0], rows[2]]);
    expect(c.warnings).toEqual([`${file}: [1].ratio: expected number, got "x"; left out that init-stats row`]);
  });
});

describe('the commands skip bad lines and say so', () => {
  it('report: a {"id", "status": "ok"} line is a warning naming file:line, not a TypeError (exit 0)', () => {
    const dir = path.join(tmp(), 'seed-claims');
    const { records } = writeResultsDir(dir, { depths: [10], seeds: 1 });
    fs.appendFileSync(path.join(dir, 'runs.jsonl'), `${line({ id: records[0]!.id, status: 'ok' })}\n`);
    const r = spawnSync(process.execPath, [path.resolve('bin/initbench.js'), 'report', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${path.join(dir, 'runs.jsonl')}:${records.length + 1}: suiteHash: expected a string, got nothing; skipped it`);
    expect(r.stderr).not.toMatch(/TypeError/);
  });

  it('report: a check.json without rows leaves the cross-check out with a warning instead of crashing', async () => {
    const root = tmp();
    const dir = path.join(root, 'seed-claims');
    writeResultsDir(dir, { depths: [10], seeds: 1, extras: true });
    const { rows: _r, ...noRows } = synthCheck();
    fs.writeFileSync(path.join(root, 'check', 'check.json'), JSON.stringify(noRows));
    const r = await writeReport(dir, { index: false });
    expect(r.warnings).toContain(`${path.join(root, 'check', 'check.json')}: rows: expected an array of an object, got nothing; left out`);
    expect(r.missing.map((m) => m.title)).toContain('Cross-check table');
  });

  it('readResults reads past bad lines; when every line is bad it says so rather than "no runs recorded yet"', async () => {
    const dir = path.join(tmp(), 'seed-claims');
    writeResultsDir(dir, { depths: [10], seeds: 1 });
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), `${line({ id: 'a', status: 'ok' })}\n`);
    await expect(readResults(dir)).rejects.toThrow(`${path.join(dir, 'runs.jsonl')}: no readable run records (1 bad lines; line 1: suiteHash: expected a string, got nothing)`);
  });

  it('merge: a bad line is named and not copied (no "N+1 of N planned runs")', () => {
    const root = tmp();
    const a = path.join(root, 'a');
    const { manifest } = writeResultsDir(a, { depths: [10], seeds: 1 });
    fs.appendFileSync(path.join(a, 'runs.jsonl'), `${line({ id: 'bogus', status: 'ok' })}\n`);
    const out = path.join(root, 'merged');
    const r = mergeResults([a], out);
    expect(r.records).toBe(manifest.plan.length);
    expect(r.planned).toBe(manifest.plan.length);
    expect(r.warnings).toContain(`${path.join(a, 'runs.jsonl')}:${manifest.plan.length + 1}: suiteHash: expected a string, got nothing; skipped it`);
    expect(fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8')).not.toContain('bogus');
    expect(readRuns(out).bad).toEqual([]);
  });

  it('run: garbage in the middle of runs.jsonl is a warning, and a planned run whose only line is bad runs again', async () => {
    const loaded = loadSuite('test/fixtures/suites/tiny.json');
    const env: Environment = {
      initbench: '0', tfjs: '4.22.0', backend: 'cpu', backendDetail: 'injected', node: process.version, platform: 'test',
      cpu: { model: 'test', cores: 1 }, memoryGiB: 1, gitCommit: null,
    };
    const calls: string[] = [];
    const executor: Executor = async (spec) => {
      calls.push(spec.id);
      return { ok: true, value: { formatVersion: 1, id: spec.id, suiteHash: loaded.hash, spec, backend: 'cpu', startedAt: '2026-01-01T00:00:00.000Z', wallMs: 1, status: 'ok', probe: null, train: null } };
    };
    const out = path.join(tmp(), 'tiny');
    const c = collect();
    const opts = { out, shard: null, resume: true, jobs: 1, backend: 'cpu' as const, dataDir: 'data', progress: 'silent' as const, executor, environment: env, log: () => {}, warn: c.warn };
    await runSuite(loaded, opts);
    expect(loaded.plan.runs.length).toBeGreaterThanOrEqual(2);
    const file = path.join(out, 'runs.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    const victim = (JSON.parse(lines[1]!) as RunRecord).id;
    // line 2: the victim's only record, cut to its id and status; line 3: garbage
    fs.writeFileSync(file, [lines[0], line({ id: victim, status: 'ok' }), 'garbage', ...lines.slice(2)].map((l) => `${l}\n`).join(''));
    calls.length = 0;
    const r = await runSuite(loaded, opts);
    expect(calls).toEqual([victim]);
    expect(r.executed).toBe(1);
    expect(c.warnings[0]).toBe(`${file}:2: suiteHash: expected a string, got nothing; skipped it, so run ${victim} runs again`);
    expect(c.warnings[1]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not JSON \\(.+\\); skipped it$`));
    expect(c.warnings).toHaveLength(2);
    const after = readRuns(out);
    expect(new Set(after.records.map((x) => x.id))).toEqual(new Set(loaded.plan.runs.map((x) => x.id)));
  });
});
