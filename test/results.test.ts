import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import type { Manifest, RunRecord, RunSpec } from '../src/core/types.ts';
import { RunsWriter, parseRuns, readResults, readRuns, writeManifest } from '../src/results/index.ts';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-results-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function spec(id: string): RunSpec {
  return {
    id,
    suite: 't',
    seed: 7,
    repeat: 0,
    init: { name: 'he-normal' },
    activation: { name: 'relu' },
    arch: { kind: 'plain', depth: 2, width: 4, kernel: 3, padding: 'same', bias: false, downsample: { at: [], mode: 'stride' }, head: 'none', classes: 10 },
    input: { height: 8, width: 8, channels: 3 },
    probe: { batch: 4, source: 'gaussian', inputStd: 1, atSteps: [] },
    data: null,
    train: null,
  };
}

function rec(id: string, hash = 'h1', status: 'ok' | 'failed' = 'ok'): RunRecord {
  const base = { formatVersion: 1 as const, id, suiteHash: hash, spec: spec(id), backend: 'cpu' as const, startedAt: '2026-01-01T00:00:00.000Z', wallMs: 5 };
  return status === 'ok'
    ? { ...base, status: 'ok', probe: null, train: null }
    : { ...base, status: 'failed', probe: null, train: null, error: { message: 'boom', stack: null, kind: 'exception' } };
}

function manifest(ids: string[], hash = 'h1'): Manifest {
  return {
    formatVersion: 1,
    suite: { name: 't', file: 'suites/t.json', hash, source: {} },
    plan: ids.map(spec),
    environment: {
      initbench: '0', tfjs: '4.22.0', backend: 'cpu', backendDetail: 'cpu', node: 'v20', platform: 'linux',
      cpu: { model: 'x', cores: 2 }, memoryGiB: 1, gitCommit: null,
    },
    startedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('results store', () => {
  it('appends one complete line per record and reads them back in plan order', async () => {
    const dir = tmp();
    writeManifest(dir, manifest(['a', 'b', 'c']));
    const w = new RunsWriter(dir);
    w.append(rec('c'));
    w.append(rec('a'));
    w.close();
    const text = fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8');
    expect(text.split('\n')).toHaveLength(3); // two lines and the final newline
    const r = await readResults(dir);
    expect(r.records.map((x) => x.id)).toEqual(['a', 'c']);
    expect(r.warnings).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a truncated last line is a warning naming its line number, and the rest is read', async () => {
    const dir = tmp();
    writeManifest(dir, manifest(['a', 'b']));
    const line = JSON.stringify(rec('a'));
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), `${line}\n${JSON.stringify(rec('b')).slice(0, 40)}`);
    const r = await readResults(dir);
    expect(r.records.map((x) => x.id)).toEqual(['a']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/runs\.jsonl:2: truncated \(an interrupted write\); skipped it$/);
  });

  it('reopening for append cuts a truncated tail so the next line starts clean', () => {
    const dir = tmp();
    const full = JSON.stringify(rec('a')) + '\n';
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), full + '{"id":"b","sta');
    const w = new RunsWriter(dir);
    expect(w.repaired).toBe('{"id":"b","sta'.length);
    w.append(rec('c'));
    w.close();
    const { records, warnings } = readRuns(dir);
    expect(warnings).toEqual([]);
    expect(records.map((x) => x.id)).toEqual(['a', 'c']);
  });

  it('reopening keeps a last line that lacks only its newline: readers count it, so resume skips its run', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), `${JSON.stringify(rec('a'))}\n${JSON.stringify(rec('b'))}`);
    expect(readRuns(dir).records.map((x) => x.id)).toEqual(['a', 'b']);
    const w = new RunsWriter(dir);
    expect(w.repaired).toBe(0);
    w.append(rec('c'));
    w.close();
    const { records, warnings } = readRuns(dir);
    expect(warnings).toEqual([]);
    expect(records.map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });

  it('no runs is an InputError that says how to make some', async () => {
    const dir = tmp();
    writeManifest(dir, manifest(['a']));
    await expect(readResults(dir)).rejects.toThrow(InputError);
    await expect(readResults(dir)).rejects.toThrow(/no runs recorded yet; run `initbench run suites\/t\.json/);
  });

  it('a dir without a manifest is an InputError', async () => {
    await expect(readResults(tmp())).rejects.toThrow(/no manifest/);
  });

  it('records of different suite hashes are refused unless allowMixed', async () => {
    const dir = tmp();
    writeManifest(dir, manifest(['a', 'b']));
    const w = new RunsWriter(dir);
    w.append(rec('a', 'h1'));
    w.append(rec('b', 'h2'));
    w.close();
    await expect(readResults(dir)).rejects.toThrow(/records from 2 different suite files.*--allow-mixed/);
    const r = await readResults(dir, { allowMixed: true });
    expect(r.records).toHaveLength(2);
    expect(r.warnings.some((x) => /different suite files/.test(x))).toBe(true);
  });

  it('the last record of an id wins (a failed run retried on resume)', async () => {
    const dir = tmp();
    writeManifest(dir, manifest(['a']));
    const w = new RunsWriter(dir);
    w.append(rec('a', 'h1', 'failed'));
    w.append(rec('a', 'h1', 'ok'));
    w.close();
    const r = await readResults(dir);
    expect(r.records.map((x) => x.status)).toEqual(['ok']);
  });

  it('a garbled middle line is skipped with a warning naming it', () => {
    const good = JSON.stringify(rec('a'));
    const { records, warnings } = parseRuns(`${good}\nnot json\n${good}\n`, 'runs.jsonl');
    expect(records).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^runs\.jsonl:2: not JSON \(.+\); skipped it$/);
  });
});
