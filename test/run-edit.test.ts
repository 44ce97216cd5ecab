// Editing a suite and rerunning into the same dir, through the real CLI (cpu backend, tiny probe runs).
// The tests of the first describe are one story on one dir, each step starting from the previous one's state.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest, RunRecord } from '../src/core/types.ts';
import { loadSuite } from '../src/suite/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-edit-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const BIN = path.resolve('bin/initbench.js');
const STEP_MS = 240_000;

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 200_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A suite of depth × seed probe runs small enough that a CLI run is mostly start-up. */
function suiteText(o: { name?: string; seeds?: number; depth?: number[]; description?: string } = {}): string {
  return JSON.stringify(
    {
      name: o.name ?? 'edit',
      description: o.description ?? 'Test: tiny probe runs, edited between runs.',
      seed: 5,
      seeds: o.seeds ?? 1,
      defaults: { width: 2, input: { height: 4, width: 4, channels: 1 }, probe: { batch: 2, source: 'gaussian', inputStd: 1 } },
      matrix: { init: ['he-normal'], depth: o.depth ?? [1, 2] },
    },
    null,
    2,
  );
}

function records(out: string): RunRecord[] {
  return fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as RunRecord);
}
const manifest = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
const ids = (file: string) => loadSuite(file).plan.runs.map((r) => r.id);
/** each file of the dir with its bytes and mtime: what "writes nothing" compares */
function snapshot(out: string): Record<string, { text: string; mtimeMs: number }> {
  const files = ['manifest.json', 'runs.jsonl'];
  return Object.fromEntries(files.map((f) => [f, { text: fs.readFileSync(path.join(out, f), 'utf8'), mtimeMs: fs.statSync(path.join(out, f)).mtimeMs }]));
}

describe('run after editing the suite (one dir, step by step)', () => {
  const file = path.join(root, 'edit.json');
  const out = path.join(root, 'out');
  const run = (...extra: string[]) => runCli(['run', file, '--out', out, '--backend', 'cpu', '--jobs', '1', ...extra]);

  it('a first run records the 2 planned runs with a one-version history', () => {
    fs.writeFileSync(file, suiteText());
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(records(out).map((x) => x.id).sort()).toEqual(ids(file).sort());
    expect(manifest(out).history).toEqual([expect.objectContaining({ hash: loadSuite(file).hash, file, runsAdded: 2, planned: 2 })]);
  }, STEP_MS);

  it('an added newline reruns nothing, exits 0 and records the new version', () => {
    const before = records(out);
    fs.appendFileSync(file, '\n');
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/suite "edit" changed \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\): 2 runs kept, 0 new, 0 no longer planned/);
    expect(r.stdout).toContain('0 runs in');
    expect(records(out)).toEqual(before);
    const h = manifest(out).history!;
    expect(h).toHaveLength(2);
    expect(h[1]).toMatchObject({ hash: loadSuite(file).hash, runsAdded: 0, planned: 2 });
    expect(manifest(out).suite.hash).toBe(loadSuite(file).hash);
  }, STEP_MS);

  it('a resume with nothing to do writes nothing at all', () => {
    const before = snapshot(out);
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('changed');
    expect(snapshot(out)).toEqual(before);
  }, STEP_MS);

  it('an added seed and depth run only the new ids; the kept records keep the hash of the version that ran them', () => {
    const oldIds = ids(file);
    const firstHash = manifest(out).history![0]!.hash;
    fs.writeFileSync(file, suiteText({ seeds: 2, depth: [1, 2, 3] }));
    const newIds = ids(file);
    expect(newIds).toEqual(expect.arrayContaining(oldIds));
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`2 runs kept, ${newIds.length - 2} new, 0 no longer planned`);
    const recs = records(out);
    expect(recs.slice(2).map((x) => x.id).sort()).toEqual(newIds.filter((id) => !oldIds.includes(id)).sort());
    expect(recs.slice(0, 2).map((x) => x.suiteHash)).toEqual([firstHash, firstHash]);
    expect(manifest(out).history!.at(-1)).toMatchObject({ runsAdded: newIds.length - 2, planned: newIds.length });
  }, STEP_MS);

  it('a removed matrix value leaves its records on disk; run and report count them, the report leaves them out', () => {
    const before = records(out);
    fs.writeFileSync(file, suiteText({ seeds: 2, depth: [1, 2] }));
    const gone = before.filter((x) => !ids(file).includes(x.id));
    expect(gone).toHaveLength(2);
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('4 runs kept, 0 new, 2 no longer planned');
    expect(r.stdout).toContain(`2 recorded runs are no longer in the plan: kept in ${path.join(out, 'runs.jsonl')}, left out of the report (--prune removes them)`);
    expect(records(out)).toEqual(before);

    const rep = runCli(['report', out]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stderr).toContain(`warning: 2 recorded runs are no longer in the suite's plan: kept in ${path.join(out, 'runs.jsonl')}, left out of this report`);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('4 recorded of 4 planned');
    expect(html).toContain('2 recorded runs are no longer in the suite');
    for (const g of gone) expect(html).not.toContain(g.id);
  }, STEP_MS);

  it('--prune removes the records no longer planned, says how many, and leaves no temp file', () => {
    const keep = ids(file);
    const r = run('--prune');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`--prune: removed 2 runs no longer in the plan (2 lines) from ${path.join(out, 'runs.jsonl')}`);
    expect(records(out).map((x) => x.id).sort()).toEqual([...keep].sort());
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const rep = runCli(['report', out]);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stderr).not.toContain('no longer in the suite');
  }, STEP_MS);

  it('a dir whose manifest predates history takes an edit as its second version', () => {
    const m = manifest(out);
    const { history: _h, ...old } = m;
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(old, null, 1) + '\n');
    fs.writeFileSync(file, suiteText({ seeds: 2, depth: [1, 2], description: 'Reworded.' }));
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('4 runs kept, 0 new, 0 no longer planned');
    expect(manifest(out).history).toEqual([
      { hash: m.suite.hash, file, time: m.startedAt, runsAdded: 4, planned: 4 },
      expect.objectContaining({ hash: loadSuite(file).hash, runsAdded: 0, planned: 4 }),
    ]);
  }, STEP_MS);

  it('a renamed suite exits 2 saying what differs and what to do, and writes nothing', () => {
    const before = snapshot(out);
    const renamed = path.join(root, 'renamed.json');
    fs.writeFileSync(renamed, suiteText({ name: 'other', seeds: 2, depth: [1, 2] }));
    const r = runCli(['run', renamed, '--out', out, '--backend', 'cpu']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `initbench: ${out}: holds results of suite "edit" (${file}), not of suite "other" (${renamed}); ` +
        'a results dir holds one suite, known by its name: choose another --out, or rename the suite back to "edit"',
    );
    expect(snapshot(out)).toEqual(before);
  }, STEP_MS);
});

describe('shards of one suite from two checkouts', () => {
  it('copies at different paths with different bytes share one results dir', () => {
    const a = path.join(root, 'checkout-a', 'suite.json');
    const b = path.join(root, 'checkout-b', 'suite.json');
    fs.mkdirSync(path.dirname(a));
    fs.mkdirSync(path.dirname(b));
    fs.writeFileSync(a, suiteText());
    // the same suite, formatted otherwise (another editor, CRLF checkout): other bytes, same plan
    fs.writeFileSync(b, JSON.stringify(JSON.parse(suiteText())) + '\r\n');
    expect(loadSuite(a).hash).not.toBe(loadSuite(b).hash);
    const out = path.join(root, 'shared');
    const s1 = runCli(['run', a, '--shard', '1/2', '--out', out, '--backend', 'cpu', '--jobs', '1']);
    expect(s1.status, s1.stderr).toBe(0);
    const s2 = runCli(['run', b, '--shard', '2/2', '--out', out, '--backend', 'cpu', '--jobs', '1']);
    expect(s2.status, s2.stderr).toBe(0);
    expect(s2.stdout).toContain(`${b}: suite "edit" changed since ${a}`);
    expect(s2.stdout).toContain('1 runs kept, 1 new, 0 no longer planned');
    expect(records(out).map((x) => x.id).sort()).toEqual(ids(a).sort());
    const rep = runCli(['report', out]);
    expect(rep.status, rep.stderr).toBe(0);
  }, STEP_MS);
});
