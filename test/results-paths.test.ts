/**
 * Where the results files live (src/results/paths.ts, the one module that names them), --latest, and
 * ROOT/index.html: written only into a results root initbench made, never over someone else's file,
 * with sibling dirs that are not results dirs left out with a note.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { writeReport } from '../src/report/index.ts';
import {
  ROOT_MARKER, checkFile, defaultResultsDir, indexFile, initStatsFile, isInitbenchRoot, latestResultsDir, makeResultsDir, resultsRootOf,
} from '../src/results/index.ts';
import { writeResultsDir } from '../src/results/synth.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-paths-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every .ts file under src/, with its comments blanked (a comment may name a file; code may not). */
function sources(): { file: string; code: string }[] {
  const out: { file: string; code: string }[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push({ file: p, code: fs.readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1') });
    }
  };
  walk('src');
  return out;
}

describe('one module names every results file', () => {
  it('no code outside src/results/paths.ts spells runs.jsonl, manifest.json, samples.json, check.json, init-stats.json, report.html, index.html or the marker as a path', () => {
    // a string that is a path to one of them ('runs.jsonl', 'results/check/check.json', `${dir}/samples.json`);
    // prose that mentions one ('e.g. DIR/report.html') has spaces
    const spelled = /(['"`])(?:[^'"`\s]*\/)?(runs\.jsonl|manifest\.json|samples\.json|check\.json|init-stats\.json|report\.html|index\.html|\.initbench-results)\1/g;
    const found = sources()
      .filter((s) => path.normalize(s.file) !== path.normalize('src/results/paths.ts'))
      .flatMap((s) => [...s.code.matchAll(spelled)].map((m) => `${s.file}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it('the side files sit in the results root, beside the suite dirs; run writes results/NAME(-quick)', () => {
    expect(resultsRootOf('results/default')).toBe(path.resolve('results'));
    expect(checkFile(resultsRootOf('results/default'))).toBe(path.resolve('results/check/check.json'));
    expect(initStatsFile('/r')).toBe(path.normalize('/r/init-stats/init-stats.json'));
    expect(checkFile()).toBe(path.normalize('results/check/check.json'));
    expect(defaultResultsDir('he2015', false)).toBe(path.normalize('results/he2015'));
    expect(defaultResultsDir('he2015', true)).toBe(path.normalize('results/he2015-quick'));
  });
});

describe('--latest', () => {
  it('picks the results dir whose runs.jsonl was written last; empty runs.jsonl and other dirs do not count', () => {
    const root = path.join(tmp, 'latest');
    writeResultsDir(path.join(root, 'old'), { suite: 'old' });
    writeResultsDir(path.join(root, 'new'), { suite: 'new' });
    writeResultsDir(path.join(root, 'empty'), { suite: 'empty' });
    fs.writeFileSync(path.join(root, 'empty', 'runs.jsonl'), '');
    fs.mkdirSync(path.join(root, 'check'));
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(root, 'old', 'runs.jsonl'), past, past);
    expect(latestResultsDir(root)).toBe(path.join(root, 'new'));
  });

  it('no results dir with runs: an InputError naming the root', () => {
    const root = path.join(tmp, 'none');
    fs.mkdirSync(path.join(root, 'x'), { recursive: true });
    expect(() => latestResultsDir(root)).toThrow(InputError);
    expect(() => latestResultsDir(root)).toThrow(`${root}: no results dirs with runs`);
  });
});

describe('ROOT/index.html', () => {
  it('a results root initbench creates gets the marker; a parent that already existed does not', () => {
    makeResultsDir(path.join(tmp, 'made', 'root', 'suite'));
    expect(isInitbenchRoot(path.join(tmp, 'made', 'root'))).toBe(true);
    const users = path.join(tmp, 'users-dir');
    fs.mkdirSync(users);
    makeResultsDir(path.join(users, 'suite'));
    expect(fs.existsSync(path.join(users, ROOT_MARKER))).toBe(false);
  });

  it('report DIR in a dir initbench did not make: the user\'s own index.html one level up is left as it was, with a note', async () => {
    const root = path.join(tmp, 'home');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'index.html'), '<h1>my homepage</h1>');
    writeResultsDir(path.join(root, 'a'), { suite: 'a' });
    writeResultsDir(path.join(root, 'b'), { suite: 'b' });
    const r = await writeReport(path.join(root, 'a'));
    expect(r.index).toBeNull();
    expect(fs.readFileSync(path.join(root, 'index.html'), 'utf8')).toBe('<h1>my homepage</h1>');
    expect(r.warnings).toContain(`${root}: not writing ${indexFile(root)}: initbench did not make ${root} (it has no ${ROOT_MARKER}; create that file to let it)`);
  });

  it('a marked root with an index.html initbench did not write: left as it is, with a note; initbench\'s own index is rewritten', async () => {
    const root = path.join(tmp, 'marked', 'results');
    writeResultsDir(path.join(root, 'a'), { suite: 'a' });
    writeResultsDir(path.join(root, 'b'), { suite: 'b' });
    expect(isInitbenchRoot(root)).toBe(true);
    const first = await writeReport(path.join(root, 'a'));
    expect(first.index).toBe(indexFile(root));
    const second = await writeReport(path.join(root, 'b'));
    expect(second.index).toBe(indexFile(root));
    expect(fs.readFileSync(indexFile(root), 'utf8')).toContain('<a href="b/report.html">b</a>');
    fs.writeFileSync(indexFile(root), 'hand-written');
    const third = await writeReport(path.join(root, 'a'));
    expect(third.index).toBeNull();
    expect(fs.readFileSync(indexFile(root), 'utf8')).toBe('hand-written');
    expect(third.warnings).toContain(`${indexFile(root)}: not written by initbench, so left as it is (remove it to get the index of ${root})`);
  });

  it('a sibling whose manifest has no suite does not crash the report of a healthy dir: left out of the index with a note', async () => {
    const root = path.join(tmp, 'siblings', 'results');
    writeResultsDir(path.join(root, 'a'), { suite: 'a' });
    writeResultsDir(path.join(root, 'b'), { suite: 'b' });
    const bad = path.join(root, 'not-results');
    writeResultsDir(bad, { suite: 'x' });
    const m = JSON.parse(fs.readFileSync(path.join(bad, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete m.suite;
    fs.writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify(m));
    const r = await writeReport(path.join(root, 'a'));
    expect(r.index).toBe(indexFile(root));
    const index = fs.readFileSync(indexFile(root), 'utf8');
    expect(index).toContain('<a href="a/report.html">a</a>');
    expect(index).not.toContain('not-results');
    const note = r.warnings.find((w) => w.startsWith(path.join(bad, 'manifest.json')));
    expect(note).toMatch(/suite/);
    expect(note).toMatch(new RegExp(`not a results dir, left out of ${indexFile(root).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});
