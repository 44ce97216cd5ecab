// The runner with an injected executor (no tfjs): resume, shards, merge, failures, refusals, the lock.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseShard } from '../src/cli/options.ts';
import { InputError } from '../src/core/errors.ts';
import type { Environment, RunRecord, RunSpec } from '../src/core/types.ts';
import { mergeResults, readResults, readRuns } from '../src/results/index.ts';
import { LOCK_FILE, acquireLock } from '../src/results/index.ts';
import { runSuite, type Executor, type RunSuiteOptions } from '../src/run/runner.ts';
import { shardSlice } from '../src/run/shard.ts';
import { loadSuite, type LoadedSuite } from '../src/suite/index.ts';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-run-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const ENV: Environment = {
  initbench: '0', tfjs: '4.22.0', backend: 'cpu', backendDetail: 'injected', node: process.version, platform: 'test',
  cpu: { model: 'test', cores: 1 }, memoryGiB: 1, gitCommit: null,
};

/** A fake run whose "result" is a function of its seed, so records can be compared across runs. */
function fakeExecutor(hash: string, fail: (s: RunSpec) => boolean = () => false, calls: string[] = []): Executor {
  return async (spec) => {
    calls.push(spec.id);
    if (fail(spec)) return { ok: false, error: { message: `boom ${spec.id}`, stack: null, kind: 'worker-crash' } };
    const rec: RunRecord = {
      formatVersion: 1, id: spec.id, suiteHash: hash, spec, backend: 'cpu', startedAt: new Date().toISOString(), wallMs: 1,
      status: 'ok', probe: null, train: null,
    };
    return { ok: true, value: rec };
  };
}

function opts(out: string, loaded: LoadedSuite, extra: Partial<RunSuiteOptions> = {}): RunSuiteOptions {
  return {
    out, shard: null, resume: true, jobs: 2, backend: 'cpu', dataDir: 'data', progress: 'silent',
    executor: fakeExecutor(loaded.hash), environment: ENV, ...extra,
  };
}

const TINY = 'test/fixtures/suites/tiny.json';

describe('shards', () => {
  it('parses k/n and rejects nonsense naming --shard', () => {
    expect(parseShard('2/3')).toEqual({ k: 2, n: 3 });
    expect(parseShard(undefined)).toBeNull();
    for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/--shard: expected k\/n/);
  });

  it('slices 1/3, 2/3, 3/3 partition the plan, round-robin in plan order', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const parts = [1, 2, 3].map((k) => shardSlice(items, { k, n: 3 }));
    expect(parts).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
  });
});

describe('runner (injected executor)', () => {
  it('writes manifest and one record per run; a rerun skips every recorded id', async () => {
    const loaded = loadSuite(TINY);
    const out = tmp();
    const first = await runSuite(loaded, opts(out, loaded));
    expect(first).toMatchObject({ slice: 12, skipped: 0, executed: 12, counts: { ok: 12, failed: 0 } });
    const calls: string[] = [];
    const again = await runSuite(loaded, opts(out, loaded, { executor: fakeExecutor(loaded.hash, () => false, calls) }));
    expect(again).toMatchObject({ skipped: 12, executed: 0 });
    expect(calls).toEqual([]);
    const r = await readResults(out);
    expect(r.records.map((x) => x.id)).toEqual(loaded.plan.runs.map((x) => x.id));
    expect(r.manifest.suite).toMatchObject({ name: 'tiny', file: TINY, hash: loaded.hash });
    expect(r.manifest.plan).toHaveLength(12);
  });

  it('a failed run is recorded with its error, the suite goes on, and resume retries it', async () => {
    const loaded = loadSuite(TINY);
    const out = tmp();
    const victim = loaded.plan.runs[3]!.id;
    const res = await runSuite(loaded, opts(out, loaded, { executor: fakeExecutor(loaded.hash, (s) => s.id === victim) }));
    expect(res.counts).toEqual({ ok: 11, stalled: 0, diverged: 0, failed: 1 });
    const failed = readRuns(out).records.find((x) => x.id === victim)!;
    expect(failed).toMatchObject({ status: 'failed', error: { kind: 'worker-crash', message: `boom ${victim}` }, probe: null, train: null });
    const calls: string[] = [];
    const retry = await runSuite(loaded, opts(out, loaded, { executor: fakeExecutor(loaded.hash, () => false, calls) }));
    expect(calls).toEqual([victim]);
    expect(retry.counts.ok).toBe(1);
    expect((await readResults(out)).records.every((x) => x.status === 'ok')).toBe(true);
  });

  it('--no-resume starts runs.jsonl afresh', async () => {
    const loaded = loadSuite(TINY);
    const out = tmp();
    await runSuite(loaded, opts(out, loaded));
    const res = await runSuite(loaded, opts(out, loaded, { resume: false }));
    expect(res.executed).toBe(12);
    expect(readRuns(out).records).toHaveLength(12);
  });

  it('shards 1/3..3/3 merged hold exactly the unsharded run\'s ids, in plan order', async () => {
    const loaded = loadSuite(TINY);
    const dirs = await Promise.all(
      [1, 2, 3].map(async (k) => {
        const d = tmp();
        await runSuite(loaded, opts(d, loaded, { shard: { k, n: 3 } }));
        return d;
      }),
    );
    const sizes = dirs.map((d) => readRuns(d).records.length);
    expect(sizes).toEqual([4, 4, 4]);
    const merged = tmp();
    const m = mergeResults(dirs, merged);
    expect(m).toMatchObject({ records: 12, planned: 12, missing: 0 });
    const r = await readResults(merged);
    expect(r.records.map((x) => x.id)).toEqual(loaded.plan.runs.map((x) => x.id));
    expect(r.manifest.mergedFrom).toEqual(dirs);
    expect(r.manifest.shard).toBeUndefined();
  });

  it('merge refuses dirs of differently named suites', async () => {
    const a = loadSuite(TINY);
    const b = loadSuite('test/fixtures/suites/resume.json');
    const da = tmp();
    const db = tmp();
    await runSuite(a, opts(da, a));
    await runSuite(b, opts(db, b));
    const out = path.join(tmp(), 'merged');
    expect(() => mergeResults([da, db], out)).toThrow(/holds results of suite "resume" \(test\/fixtures\/suites\/resume\.json\), not of suite "tiny" .*merge the dirs of each into its own --out/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses to write into a dir holding another suite\'s results, writing nothing', async () => {
    const a = loadSuite(TINY);
    const b = loadSuite('test/fixtures/suites/resume.json');
    const out = tmp();
    await runSuite(a, opts(out, a));
    const before = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8');
    await expect(runSuite(b, opts(out, b))).rejects.toThrow(InputError);
    await expect(runSuite(b, opts(out, b))).rejects.toThrow(
      /holds results of suite "tiny" \(test\/fixtures\/suites\/tiny\.json\), not of suite "resume" \(test\/fixtures\/suites\/resume\.json\).*choose another --out, or rename the suite back to "tiny"$/,
    );
    const quick = loadSuite(TINY, { quick: true });
    await expect(runSuite(quick, opts(out, quick))).rejects.toThrow(
      /holds a full run \(without --quick\) of suite "tiny" .*, and this is a --quick run of it .*choose another --out, or drop --quick$/,
    );
    expect(fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8')).toBe(before);
  });

  it('--out naming an existing file is an InputError naming the flag, for run and merge, and the file is left alone', async () => {
    const loaded = loadSuite(TINY);
    const dir = tmp();
    await runSuite(loaded, opts(dir, loaded));
    const file = path.join(tmp(), 'notes.txt');
    fs.writeFileSync(file, 'mine');
    const calls: string[] = [];
    await expect(runSuite(loaded, opts(file, loaded, { executor: fakeExecutor(loaded.hash, () => false, calls) }))).rejects.toThrow(
      /^--out: expected a results directory \(or a path to create one at\), got ".*notes\.txt" \(that is an existing file\)$/,
    );
    expect(calls).toEqual([]);
    expect(() => mergeResults([dir], file)).toThrow(InputError);
    expect(() => mergeResults([dir], file)).toThrow(/^--out: expected a results directory/);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('a cifar10 suite without the data stops before any run, naming the fix', async () => {
    const dir = tmp();
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'c', description: 'd', seed: 1, defaults: { data: { kind: 'cifar10', trainSize: 10, testSize: 10 }, train: { steps: 1 } }, matrix: { depth: [1] } }));
    const loaded = loadSuite(file);
    const out = path.join(dir, 'out');
    const calls: string[] = [];
    await expect(runSuite(loaded, opts(out, loaded, { dataDir: path.join(dir, 'nodata'), executor: fakeExecutor(loaded.hash, () => false, calls) }))).rejects.toThrow(InputError);
    expect(calls).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('runner and the results-dir lock', () => {
  it('a run into a dir another writer holds is an InputError naming it: nothing runs, nothing is written', async () => {
    const loaded = loadSuite(TINY);
    const out = tmp();
    const lock = acquireLock(out, 'initbench merge a b --out x');
    try {
      const calls: string[] = [];
      const run = runSuite(loaded, opts(out, loaded, { executor: fakeExecutor(loaded.hash, () => false, calls) }));
      await expect(run).rejects.toThrow(InputError);
      await expect(runSuite(loaded, opts(out, loaded))).rejects.toThrow(
        new RegExp(`^${out}: in use by another writer, pid ${process.pid} on this host \\(${os.hostname()}\\) since \\S+ \\(initbench merge a b --out x\\)`),
      );
      expect(calls).toEqual([]);
      expect(fs.readdirSync(out)).toEqual([LOCK_FILE]);
    } finally {
      lock.release();
    }
  });

  it('holds the lock while it runs, and a stale lock of a dead pid is taken over with a line in its log', async () => {
    const loaded = loadSuite(TINY);
    const out = tmp();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(out, LOCK_FILE), JSON.stringify({ pid: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', command: 'initbench run tiny.json', procStart: null, token: 'x' }));
    const log: string[] = [];
    const holders: number[] = [];
    const exec = fakeExecutor(loaded.hash);
    const res = await runSuite(loaded, opts(out, loaded, {
      log: (l) => log.push(l),
      executor: async (spec) => {
        holders.push((JSON.parse(fs.readFileSync(path.join(out, LOCK_FILE), 'utf8')) as { pid: number }).pid);
        return exec(spec);
      },
    }));
    expect(res.executed).toBe(12);
    expect(log[0]).toBe(`${path.join(out, LOCK_FILE)}: took over a stale lock of pid ${dead} (initbench run tiny.json, since 2026-01-01T00:00:00.000Z), which is no longer running`);
    expect(new Set(holders)).toEqual(new Set([process.pid]));
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });
});
