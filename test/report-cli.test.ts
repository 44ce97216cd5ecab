/**
 * The report end to end: writeReport on synthesized results dirs, escaping of user strings, the
 * results index, --latest, and bad input through the real CLI (a child process, exit codes).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headlineNumbers, terminalSummary, writeReport } from '../src/report/index.ts';
import { DEFAULT_SIZED, synthRecords, writeResultsDir } from '../src/results/synth.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const BIN = path.resolve('bin/initbench.js');

function cli(args: string[], cwd = process.cwd()): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'report', ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EVIL = '</script><script>alert(1)</script>';

describe('writeReport', () => {
  it('writes one self-contained page: inlined vega builds, every chart, headline numbers, the index', async () => {
    const root = path.join(tmp, 'full', 'results');
    writeResultsDir(path.join(root, 'seed-claims'), { extras: true });
    writeResultsDir(path.join(root, 'he2015'), { suite: 'he2015', inits: ['he-normal', 'xavier-normal'], activations: ['relu'], depths: [22, 30], train: true, samples: true, hash: 'b'.repeat(64) });
    await writeReport(path.join(root, 'seed-claims'));
    const r = await writeReport(path.join(root, 'he2015'), { svg: true, png: true });
    expect(r.sections).toEqual([
      'depth-law', 'pre-variance', 'grad-variance', 'post-moment', 'units', 'signal', 'histograms', 'histogram-curves',
      'loss', 'accuracy', 'trainability', 'norms', 'norm-lines', 'samples', 'init-audit',
    ]);
    expect(r.missing.map((m) => m.title)).toEqual(['Per-layer ratio against width', 'Probes during training']);
    expect(r.charts).toHaveLength(2 * 15);
    for (const f of r.charts) expect(fs.statSync(f).size).toBeGreaterThan(1000);
    const html = fs.readFileSync(r.html, 'utf8');
    expect(r.bytes).toBe(Buffer.byteLength(html));
    // offline: no external script/style/img references, the three builds inlined
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="http/i);
    expect(html).not.toContain('sourceMappingURL');
    for (const v of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) expect(html).toContain(`/* ${v} */`);
    expect(html.match(/<script/g)).toHaveLength(5);
    // headline in words, computed: Xavier+ReLU ≈ ×0.46 per layer (½ × padding 0.92), He holds
    expect(r.headline[1]).toMatch(/^xavier-normal \+ relu: variance × 0\.46 per layer \(theory 0\.46 with zero padding, which alone keeps × 0\.92 of the taps\); after 30 layers 1\.\de-10 of layer 1's variance\.$/);
    expect(r.headline).toContain('Training, depth 30: final held-out accuracy he-normal 82% (learns 3/3 [0.44, 1.00]); xavier-normal 9% (learns 0/3 [0.00, 0.56], stalled 2/3, diverged 1/3); chance 10%.');
    expect(html).toContain('ReLU halves the variance per layer');
    // the results root's check.json, as a summary table with the failure in full
    expect(html).toContain('<h2>Cross-check vs the float64 reference</h2>');
    expect(html).toContain('<h3>Failures (1)</h3>');
    expect(html).toContain('<h2>Failed runs (1)</h2>');
    expect(html).toContain('Worker crashed: out of memory &lt;oops&gt;');
    // index linking both suites
    expect(r.index).toBe(path.join(root, 'index.html'));
    const index = fs.readFileSync(r.index!, 'utf8');
    expect(index).toContain('<a href="he2015/report.html">he2015</a>');
    expect(index).toContain('<a href="seed-claims/report.html">seed-claims</a>');
    // terminal table
    const text = terminalSummary(r);
    expect(text).toMatch(/xavier-normal \+ relu\s+30\s+0\.46\s+0\.46\s+1\.\de-10\s+9\.0%\s+learns 0\/3 \[0\.00, 0\.56\], stalled 2\/3, diverged 1\/3/);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^report: .*he2015\/report\.html \(\d+\.\d s\)$/);
  });

  it('says what is missing and which command produces it; no index for a lone suite', async () => {
    const dir = path.join(tmp, 'lone', 'results', 'probe-only');
    writeResultsDir(dir, { suite: 'probe-only', failedMessage: null });
    const r = await writeReport(dir);
    expect(r.index).toBeNull();
    expect(r.missing.map((m) => m.title)).toEqual(['Per-layer ratio against width', 'Training curves and trainability', 'Initializer audit', 'Cross-check table']);
    const html = fs.readFileSync(r.html, 'utf8');
    expect(html).toContain('produce it with `npx initbench init-stats --all --json`');
    expect(html).toContain('produce it with `npx initbench check`');
    expect(html).not.toContain('Failed runs');
  });

  it(`escapes user strings: a suite named ${EVIL} renders as text`, async () => {
    const dir = path.join(tmp, 'evil', 'results', 'evil');
    writeResultsDir(dir, { suite: EVIL, description: '<img src=x onerror=alert(2)> & "quotes"', failedMessage: '<b>boom</b>' });
    const html = fs.readFileSync((await writeReport(dir)).html, 'utf8');
    expect(html).toContain(`<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>`);
    expect(html).toContain('<title>initbench report: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('&lt;b&gt;boom&lt;/b&gt;');
    expect(html).not.toContain('alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html.match(/<script/g)).toHaveLength(5);
    // the JSON block holds the name with < as \u003c and parses back to it
    const json = /<script type="application\/json" id="specs">([^]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toBeTypeOf('object');
  });

  it('a default-sized suite (61 runs, depths 1–30): every probe section, html alone and with --svg --png', async () => {
    const dir = path.join(tmp, 'default-sized', 'results', 'default');
    writeResultsDir(dir, DEFAULT_SIZED);
    const html = await writeReport(dir);
    expect(html.sections).toEqual(['depth-law', 'pre-variance', 'grad-variance', 'post-moment', 'units', 'signal', 'histograms', 'histogram-curves', 'init-audit']);
    expect(html.missing.map((m) => m.title)).toEqual(['Per-layer ratio against width', 'Training curves and trainability']);
    expect(html.charts).toEqual([]);
    const charts = await writeReport(dir, { svg: true, png: true });
    // every chart exported, each with the settings line its page shows above it
    expect(charts.charts).toHaveLength(2 * 9);
    for (const f of charts.charts) expect(fs.statSync(f).size).toBeGreaterThan(1000);
    expect(headlineNumbers(synthRecords().records).map((h) => h.setting)).toContain('xavier-normal + relu');
  });
});

describe('initbench report (CLI)', () => {
  it('no runs: clear message, exit 2, nothing written', () => {
    const dir = path.join(tmp, 'empty', 'results', 'x');
    writeResultsDir(dir, { suite: 'x' });
    fs.writeFileSync(path.join(dir, 'runs.jsonl'), '');
    const r = cli([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runs\.jsonl: no runs recorded yet/);
    expect(fs.existsSync(path.join(dir, 'report.html'))).toBe(false);
  });

  it('a missing dir, or neither DIR nor --latest: exit 2', () => {
    expect(cli([path.join(tmp, 'nope')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no such results dir/) });
    expect(cli([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected a results dir .* or --latest/) });
  });

  it('a truncated last line: reports what is readable and warns with the line number', () => {
    const dir = path.join(tmp, 'trunc', 'results', 'seed-claims');
    const { records } = writeResultsDir(dir, {});
    const file = path.join(dir, 'runs.jsonl');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 200)); // cut inside the last record
    const r = cli([dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:${records.length}: truncated (an interrupted write); skipped it`);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain(`runs.jsonl:${records.length}: truncated (an interrupted write)`);
    expect(html).toContain(`${records.length - 1} runs:`);
    expect(r.stdout).toMatch(/report: .*report\.html/);
  });

  it('mixed suite hashes: refused (exit 2) unless --allow-mixed', () => {
    const dir = path.join(tmp, 'mixed', 'results', 'seed-claims');
    writeResultsDir(dir, {});
    const other = synthRecords({ suite: 'seed-claims', hash: 'c'.repeat(64), depths: [5], failedMessage: null }).records;
    fs.appendFileSync(path.join(dir, 'runs.jsonl'), other.map((r) => JSON.stringify({ ...r, id: `${r.id}-other` }) + '\n').join(''));
    const refused = cli([dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/records from 2 different suite files .*--allow-mixed/);
    expect(fs.existsSync(path.join(dir, 'report.html'))).toBe(false);
    const allowed = cli([dir, '--allow-mixed', '--out', path.join(dir, 'mixed.html')]);
    expect(allowed.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'mixed.html'), 'utf8')).toContain('reading them all (--allow-mixed)');
  });

  it('--latest picks the most recently written results/*/ dir', () => {
    const cwd = path.join(tmp, 'latest');
    writeResultsDir(path.join(cwd, 'results', 'old'), { suite: 'old' });
    writeResultsDir(path.join(cwd, 'results', 'new'), { suite: 'new', hash: 'd'.repeat(64) });
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(cwd, 'results', 'old', 'runs.jsonl'), past, past);
    const r = cli(['--latest'], cwd);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'results', 'new', 'report.html'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, 'results', 'old', 'report.html'))).toBe(false);
    expect(r.stdout).toMatch(/index: .*latest\/results\/index\.html/);
  });
});
