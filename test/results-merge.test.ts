// merge joins: --out keeps what it holds, duplicates collapse, conflicts name both lines, one suite (by name) only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import type { Environment, Manifest, RunRecord, RunSpec, SuiteVersion } from '../src/core/types.ts';
import { LOCK_FILE, acquireLock, mergeResults, readResults, readRuns, splitByPlan, type DirLock } from '../src/results/index.ts';
import { combineHistories } from '../src/results/versions.ts';
import { failedRecord, runSuite, type Executor } from '../src/run/runner.ts';
import { loadSuite, type LoadedSuite } from '../src/suite/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-merge-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(root, `${name}-${n++}`);
const held: DirLock[] = [];
afterEach(() => {
  for (const l of held.splice(0)) l.release();
});

const BIN = path.resolve('bin/initbench.js');
const TINY = 'test/fixtures/suites/tiny.json';
const tiny = loadSuite(TINY);
const ENV: Environment = {
  initbench: '0', tfjs: '4.22.0', backend: 'cpu', backendDetail: 'injected', node: process.version, platform: 'test',
  cpu: { model: 'test', cores: 1 }, memoryGiB: 1, gitCommit: null,
};

/** An ok record of `spec` (built from the runner's own record constructor, so it has every field a record needs). */
function okRecord(spec: RunSpec, hash: string, startedAt: string, wallMs: number): RunRecord {
  const failed = failedRecord(spec, hash, 'cpu', startedAt, wallMs, { message: '', stack: null, kind: 'exception' }) as Extract<RunRecord, { status: 'failed' }>;
  const { error: _e, ...base } = failed;
  return { ...base, status: 'ok' };
}

/** Results of every run, ok but for `fail`, each started at `startedAt` and lasting `wallMs`. */
function executor(hash: string, o: { startedAt?: string; wallMs?: number; fail?: (s: RunSpec) => string | null } = {}): Executor {
  return async (spec) => {
    const why = o.fail?.(spec) ?? null;
    if (why !== null) return { ok: false, error: { message: why, stack: null, kind: 'worker-crash' } };
    return { ok: true, value: okRecord(spec, hash, o.startedAt ?? '2026-01-01T00:00:00.000Z', o.wallMs ?? 1) };
  };
}

async function run(out: string, o: { loaded?: LoadedSuite; shard?: { k: number; n: number }; exec?: Executor } = {}): Promise<string> {
  const loaded = o.loaded ?? tiny;
  await runSuite(loaded, {
    out, shard: o.shard ?? null, resume: true, jobs: 1, backend: 'cpu', dataDir: 'data', progress: 'silent',
    executor: o.exec ?? executor(loaded.hash), environment: ENV, log: () => {},
  });
  return out;
}

const idsOf = (dir: string) => readRuns(dir).records.map((r) => r.id);
const planIds = (l: LoadedSuite = tiny) => l.plan.runs.map((r) => r.id);
/** every file of a dir with its bytes, mtime and inode: what "left as it was" compares */
function snapshot(dir: string): Record<string, { text: string; mtimeMs: number; ino: number }> {
  return Object.fromEntries(
    fs.readdirSync(dir).map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return [f, { text: fs.readFileSync(path.join(dir, f), 'utf8'), mtimeMs: st.mtimeMs, ino: st.ino }];
    }),
  );
}
/** Rewrites the line of DIR/runs.jsonl holding run `id`, in place */
function editRecord(dir: string, id: string, edit: (r: RunRecord) => RunRecord): void {
  const file = path.join(dir, 'runs.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`"id":"${id}"`));
  lines[i] = JSON.stringify(edit(JSON.parse(lines[i]!) as RunRecord));
  fs.writeFileSync(file, lines.join('\n'));
}
const onWasm = (r: RunRecord): RunRecord => ({ ...r, backend: 'wasm' });
/** 1-based line of DIR/runs.jsonl holding run `id` */
function lineOf(dir: string, id: string): number {
  return fs.readFileSync(path.join(dir, 'runs.jsonl'), 'utf8').split('\n').findIndex((l) => l.includes(`"id":"${id}"`)) + 1;
}

describe('merge joins into --out', () => {
  it('keeps the records --out already holds: shards 2 and 3 merged into shard 1 hold the whole plan', async () => {
    const [d1, d2, d3] = await Promise.all([1, 2, 3].map((k) => run(fresh(`shard${k}`), { shard: { k, n: 3 } })));
    const shard1 = idsOf(d1!);
    expect(shard1).toHaveLength(4);
    const m = mergeResults([d2!, d3!], d1!);
    expect(m).toMatchObject({ records: 12, planned: 12, missing: 0, had: 4, collapsed: 0 });
    const r = await readResults(d1!);
    expect(r.records.map((x) => x.id)).toEqual(planIds());
    expect(r.manifest.shard).toBeUndefined();
    expect(r.manifest.mergedFrom).toEqual([d2, d3]);
  });

  it('merging shard by shard accumulates; a merge that adds nothing rewrites nothing', async () => {
    const [d1, d2] = await Promise.all([1, 2].map((k) => run(fresh(`acc${k}`), { shard: { k, n: 2 } })));
    const out = fresh('acc-out');
    expect(mergeResults([d1!], out)).toMatchObject({ records: 6, had: 0, missing: 6 });
    expect(mergeResults([d2!], out)).toMatchObject({ records: 12, had: 6, missing: 0 });
    expect(new Set(idsOf(out))).toEqual(new Set(planIds()));
    expect((await readResults(out)).manifest.mergedFrom).toEqual([d1, d2]);
    const before = snapshot(out);
    expect(mergeResults([d2!, d1!], out)).toMatchObject({ records: 12, had: 12, collapsed: 12 });
    expect(snapshot(out)).toEqual(before);
  });

  it('identical duplicates collapse though their start times and wall times differ; the first one read is kept', async () => {
    const a = await run(fresh('dupA'), { exec: executor(tiny.hash, { startedAt: '2026-01-01T00:00:00.000Z', wallMs: 5 }) });
    const b = await run(fresh('dupB'), { exec: executor(tiny.hash, { startedAt: '2026-03-03T00:00:00.000Z', wallMs: 900 }) });
    const out = fresh('dup-out');
    expect(mergeResults([a, b], out)).toMatchObject({ records: 12, collapsed: 12 });
    const recs = readRuns(out).records;
    expect(recs).toHaveLength(12);
    expect(recs.every((r) => r.startedAt === '2026-01-01T00:00:00.000Z' && r.wallMs === 5)).toBe(true);
  });

  it('records of one id that differ in a result are an InputError naming both files and lines and what differs; --out is left as it was', async () => {
    const a = await run(fresh('confA'));
    const b = await run(fresh('confB'));
    // in shards 2/2 only, so --out (shard 1/2) does not hold it
    const victim = tiny.plan.runs[5]!.id;
    const fileB = path.join(b, 'runs.jsonl');
    editRecord(b, victim, onWasm);
    const out = await run(fresh('conf-out'), { shard: { k: 1, n: 2 } });
    const before = snapshot(out);
    const expected = `merge: run ${victim} has two different results, ${path.join(a, 'runs.jsonl')}:${lineOf(a, victim)} and ${fileB}:${lineOf(b, victim)} (backend: "cpu" vs "wasm"); they should be equal (only times may differ): delete the line you do not trust and merge again`;
    expect(() => mergeResults([a, b], out)).toThrow(InputError);
    expect(() => mergeResults([a, b], out)).toThrow(expected);
    expect(snapshot(out)).toEqual(before);
    // --out's own record conflicts the same way, named by its own file and line
    const mine = path.join(out, 'runs.jsonl');
    const inOut = idsOf(out)[1]!;
    editRecord(out, inOut, onWasm);
    expect(() => mergeResults([a], out)).toThrow(`run ${inOut} has two different results, ${mine}:2 and ${path.join(a, 'runs.jsonl')}:${lineOf(a, inOut)} (backend: "wasm" vs "cpu")`);
  });

  it('a failed record yields to a result of its id in either order; of failed ones the last is kept', async () => {
    const victim = tiny.plan.runs[2]!.id;
    const ok = await run(fresh('ok'));
    const f1 = await run(fresh('fail1'), { exec: executor(tiny.hash, { fail: (s) => (s.id === victim ? 'first crash' : null) }) });
    const f2 = await run(fresh('fail2'), { exec: executor(tiny.hash, { fail: (s) => (s.id === victim ? 'second crash' : null) }) });
    for (const dirs of [[ok, f1], [f1, ok]]) {
      const out = fresh('fo');
      mergeResults(dirs, out);
      expect(readRuns(out).records.find((r) => r.id === victim)!.status).toBe('ok');
    }
    const out = fresh('ff');
    mergeResults([f1, f2], out);
    const kept = readRuns(out).records.filter((r) => r.id === victim);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ status: 'failed', error: { message: 'second crash' } });
  });

  it('an --out holding another suite (by name), or the same suite with --quick, is refused saying what differs and what to do, and left as it was', async () => {
    const resume = loadSuite('test/fixtures/suites/resume.json');
    const quick = loadSuite(TINY, { quick: true });
    const src = await run(fresh('src'));
    for (const loaded of [resume, quick]) {
      const out = await run(fresh('other'), { loaded });
      const before = snapshot(out);
      const expected =
        loaded === resume
          ? `--out ${out}: holds results of suite "${resume.plan.name}" (${resume.file}), not of suite "tiny" (${TINY}), which ${src} holds; a results dir holds one suite, known by its name: choose another --out`
          : `--out ${out}: holds a --quick run of suite "tiny" (${TINY}), and ${src} a full run (without --quick) of it (${TINY}); --quick and full runs plan different runs and keep separate dirs: choose another --out`;
      expect(() => mergeResults([src], out)).toThrow(InputError);
      expect(() => mergeResults([src], out)).toThrow(expected);
      expect(snapshot(out)).toEqual(before);
    }
  });

  it('an --out holding runs.jsonl without a manifest is refused and its file kept', async () => {
    const src = await run(fresh('src'));
    const out = fresh('bare');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'runs.jsonl'), 'precious\n');
    expect(() => mergeResults([src], out)).toThrow(`--out ${out}: holds runs.jsonl but no manifest.json, so not a results dir initbench can merge into; choose another --out`);
    expect(fs.readdirSync(out)).toEqual(['runs.jsonl']);
    expect(fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8')).toBe('precious\n');
  });

  it('an --out another writer holds is refused naming it; a stale lock is taken over with a warning', async () => {
    const src = await run(fresh('src'));
    const out = await run(fresh('locked'), { shard: { k: 1, n: 2 } });
    const lock = acquireLock(out, 'initbench run tiny.json');
    held.push(lock);
    const before = snapshot(out);
    expect(() => mergeResults([src], out)).toThrow(new RegExp(`^${out}: in use by another writer, pid ${process.pid} on this host .*\\(initbench run tiny\\.json\\)`));
    expect(snapshot(out)).toEqual(before);
    lock.release();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(out, LOCK_FILE), JSON.stringify({ pid: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', command: 'initbench merge x --out y', procStart: null, token: 't' }));
    const m = mergeResults([src], out);
    expect(m.records).toBe(12);
    expect(m.warnings).toContain(`${path.join(out, LOCK_FILE)}: took over a stale lock of pid ${dead} (initbench merge x --out y, since 2026-01-01T00:00:00.000Z), which is no longer running`);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });

  it('an input dir still being written is merged as it stands, with a warning naming its writer', async () => {
    const d1 = await run(fresh('busy'), { shard: { k: 1, n: 2 } });
    held.push(acquireLock(d1, 'initbench run tiny.json --shard 1/2'));
    const m = mergeResults([d1], fresh('busy-out'));
    expect(m.records).toBe(6);
    expect(m.warnings.some((w) => w.startsWith(`${d1}: still being written by pid ${process.pid} on this host`) && w.endsWith('(initbench run tiny.json --shard 1/2); merged the records it holds so far'))).toBe(true);
  });
});

describe('initbench merge (CLI)', () => {
  it('says how many runs --out held; a conflict exits 2 with one line and changes nothing', async () => {
    const [d1, d2] = await Promise.all([1, 2].map((k) => run(fresh(`cli${k}`), { shard: { k, n: 2 } })));
    const joined = spawnSync(process.execPath, [BIN, 'merge', d2!, '--out', d1!], { encoding: 'utf8' });
    expect(joined.status, joined.stderr).toBe(0);
    expect(joined.stdout).toBe(`merged 1 dir into the 6 runs ${d1} held: 12 of 12 planned runs → ${d1}\n`);
    const file2 = path.join(d2!, 'runs.jsonl');
    const victim = idsOf(d2!)[0]!;
    editRecord(d2!, victim, onWasm);
    const before = snapshot(d1!);
    const r = spawnSync(process.execPath, [BIN, 'merge', d2!, '--out', d1!], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `initbench: merge: run ${victim} has two different results, ${path.join(d1!, 'runs.jsonl')}:${lineOf(d1!, victim)} and ${file2}:1 (backend: "cpu" vs "wasm"); they should be equal (only times may differ): delete the line you do not trust and merge again\n`,
    );
    expect(snapshot(d1!)).toEqual(before);
  });
});

describe('merge knows a suite by its name, as run does', () => {
  /** tiny.json edited by `edit`, in a file of its own */
  function variant(name: string, edit: (text: string) => string): LoadedSuite {
    const file = path.join(root, `${name}-${n++}.json`);
    const text = edit(fs.readFileSync(TINY, 'utf8'));
    expect(text).not.toBe(fs.readFileSync(TINY, 'utf8'));
    fs.writeFileSync(file, text);
    return loadSuite(file);
  }
  /** Sets when each suite version of DIR arrived (runs started ms apart would otherwise order them by chance). */
  function stamp(dir: string, time: string): string {
    const file = path.join(dir, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    fs.writeFileSync(file, JSON.stringify({ ...m, history: m.history!.map((v) => ({ ...v, time })) }));
    return dir;
  }
  const JAN = '2026-01-01T00:00:00.000Z';
  const FEB = '2026-02-01T00:00:00.000Z';

  it('shards run from two suite files of one name that differ in bytes (an added newline) merge, with both versions in the history', async () => {
    const copy = variant('newline', (t) => t + '\n');
    const d1 = stamp(await run(fresh('nl1'), { shard: { k: 1, n: 2 } }), JAN);
    const d2 = stamp(await run(fresh('nl2'), { loaded: copy, shard: { k: 2, n: 2 } }), FEB);
    const out = fresh('nl-out');
    expect(mergeResults([d1, d2], out)).toMatchObject({ records: 12, planned: 12, missing: 0, stale: 0 });
    // records of both files, and none is called mixed
    const r = await readResults(out);
    expect(r.records.map((x) => x.id)).toEqual(planIds());
    expect(new Set(r.records.map((x) => x.suiteHash))).toEqual(new Set([tiny.hash, copy.hash]));
    expect(r.manifest.history).toEqual([
      { hash: tiny.hash, file: TINY, time: JAN, runsAdded: 12, planned: 12 },
      { hash: copy.hash, file: copy.file, time: FEB, runsAdded: 12, planned: 12 },
    ]);
    expect(r.manifest.suite).toMatchObject({ name: 'tiny', hash: copy.hash, file: copy.file });
  });

  it('one version in many shards is one history entry, at its first time', async () => {
    const [d1, d2] = await Promise.all([1, 2].map((k) => run(fresh(`one${k}`), { shard: { k, n: 2 } })));
    stamp(d1!, FEB);
    stamp(d2!, JAN);
    const out = fresh('one-out');
    mergeResults([d1!, d2!], out);
    expect((await readResults(out)).manifest.history).toEqual([{ hash: tiny.hash, file: TINY, time: JAN, runsAdded: 12, planned: 12 }]);
  });

  it('the newest version plans, in whichever order the dirs are given (one that adds a seed)', async () => {
    const more = variant('seed', (t) => t.replace('"seeds": 2', '"seeds": 3'));
    expect(more.plan.runs).toHaveLength(18);
    const old = stamp(await run(fresh('old'), { shard: { k: 1, n: 2 } }), JAN);
    const neu = stamp(await run(fresh('new'), { loaded: more, shard: { k: 2, n: 2 } }), FEB);
    const union = new Set([...idsOf(old), ...idsOf(neu)]);
    for (const dirs of [[old, neu], [neu, old]]) {
      const out = fresh('seed-out');
      expect(mergeResults(dirs, out)).toMatchObject({ records: union.size, planned: 18, missing: 18 - union.size, stale: 0 });
      const r = await readResults(out);
      expect(r.manifest.plan.map((s) => s.id)).toEqual(planIds(more));
      expect(r.manifest.suite.hash).toBe(more.hash);
      expect(r.manifest.history!.map((v) => v.hash)).toEqual([tiny.hash, more.hash]);
    }
  });

  it('records the newest version no longer plans stay in runs.jsonl, counted as no longer planned, as after an edit; a repeat merge writes nothing', async () => {
    const fewer = variant('depth', (t) => t.replace('"depth": [1, 2, 3]', '"depth": [1, 2]'));
    const out = stamp(await run(fresh('fewer-out')), JAN);
    const neu = stamp(await run(fresh('fewer'), { loaded: fewer }), FEB);
    expect(mergeResults([neu], out)).toMatchObject({ records: 8, planned: 8, missing: 0, stale: 4, had: 12 });
    expect(idsOf(out)).toHaveLength(12);
    const r = await readResults(out);
    expect(r.manifest.plan.map((s) => s.id)).toEqual(planIds(fewer));
    expect(splitByPlan(r.manifest, r.records).stale).toBe(4);
    // --out's older version does not win back the plan, and nothing changed since
    const before = snapshot(out);
    expect(mergeResults([neu], out)).toMatchObject({ records: 8, stale: 4 });
    expect(snapshot(out)).toEqual(before);
    const cli = spawnSync(process.execPath, [BIN, 'merge', neu, '--out', out], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(`merged 1 dir into the 12 runs ${out} held: 8 of 8 planned runs (8 duplicate records collapsed; 4 no longer planned, kept in runs.jsonl and left out of the report) → ${out}\n`);
  });

  it('dirs of another suite name are exit 2 naming both suites and files and what to do; nothing is written', async () => {
    const renamed = variant('renamed', (t) => t.replace('"name": "tiny"', '"name": "tiny-2"'));
    const d1 = await run(fresh('nm1'), { shard: { k: 1, n: 2 } });
    const d2 = await run(fresh('nm2'), { loaded: renamed, shard: { k: 2, n: 2 } });
    const out = fresh('nm-out');
    const r = spawnSync(process.execPath, [BIN, 'merge', d1, d2, '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `initbench: ${d2}: holds results of suite "tiny-2" (${renamed.file}), not of suite "tiny" (${TINY}), which ${d1} holds; ` +
        'a results dir holds one suite, known by its name: merge the dirs of each into its own --out\n',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a --quick dir among full ones is exit 2 saying which is which; nothing is written', async () => {
    const quick = loadSuite(TINY, { quick: true });
    const full = await run(fresh('full'), { shard: { k: 1, n: 2 } });
    const q = await run(fresh('quick'), { loaded: quick });
    const out = fresh('q-out');
    const r = spawnSync(process.execPath, [BIN, 'merge', full, q, '--out', out], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `initbench: ${q}: holds a --quick run of suite "tiny" (${TINY}), and ${full} a full run (without --quick) of it (${TINY}); ` +
        '--quick and full runs plan different runs and keep separate dirs: merge the dirs of each into its own --out\n',
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('combineHistories', () => {
  const v = (hash: string, month: number): SuiteVersion => ({ hash, file: `${hash}.json`, time: `2026-0${month}-01T00:00:00.000Z`, runsAdded: 1, planned: 1 });

  it('interleaves the dirs\' versions by time, one version in a row being one entry at its first time', () => {
    expect(combineHistories([[v('a', 2)], [v('a', 1)]])).toEqual([v('a', 1)]);
    expect(combineHistories([[v('a', 1), v('b', 3)], [v('a', 2), v('c', 4)]])).toEqual([v('a', 1), v('b', 3), v('c', 4)]);
  });

  it('a version run again after another (a revert) is a change, as in run, so the last entry is a dir\'s current version', () => {
    expect(combineHistories([[v('a', 2), v('b', 3), v('a', 4)], [v('a', 1)]])).toEqual([v('a', 1), v('b', 3), v('a', 4)]);
  });
});
