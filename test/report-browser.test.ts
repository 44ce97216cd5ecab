/**
 * The report in a real browser: Debian chromium driven by playwright-core opens report.html from
 * file:// with every non-file request aborted. The results: the default suite (its 76 runs
 * synthesized), its trained runs also probed during training and two residual nets beside them, so
 * every chart is on the page. Every chart renders with nothing on the console; no text repeats what
 * the common-settings line states; at 1024 px everything fits and no tick labels overlap; at 1400×900
 * the headline and the first chart are on the first screen; a legend click picks an initializer out
 * in every chart; the run table sorts and filters. Skipped only when chromium is absent outside CI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSpec } from '../src/core/types.ts';
import { writeReport } from '../src/report/index.ts';
import { checkFile, initStatsFile, manifestFile, runsFile, samplesFile } from '../src/results/paths.ts';
import { makeResultsDir, writeFileAtomic } from '../src/results/store.ts';
import { synthAudit, synthCheck, synthSamples, synthSuiteRecords } from '../src/results/synth.ts';
import { loadSuite } from '../src/suite/index.ts';
import { builtinRun } from '../src/arch/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const present = fs.existsSync(CHROMIUM);
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!present && !inCI) {
  console.warn(`report-browser: skipped — ${CHROMIUM} not found (apt-get install chromium); in CI this test runs and fails without it`);
}

const EVIL = '</script><script>alert(1)</script>';

/** The default suite's plan, its trained runs probed at steps 100 and 200 too, and two residual He + ReLU nets of depth 9. */
function plan(): RunSpec[] {
  const runs = loadSuite('suites/default.json').plan.runs.map((s) => (s.train === null ? s : { ...s, probe: { ...s.probe!, atSteps: [100, 200] } }));
  const base = runs.find((s) => s.init.name === 'he-normal' && s.activation.name === 'relu' && s.arch.depth === 10 && s.train === null)!;
  const residual = [1, 2].map((k): RunSpec => ({ ...base, id: `residual-${k}`, seed: base.seed + 1000 * k, arch: { ...builtinRun(base).arch, kind: 'residual', depth: 9 } }));
  return [...runs, ...residual];
}

describe.skipIf(!present && !inCI)('report in chromium, offline from file://', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-browser-'));
  const shots = path.join(os.tmpdir(), 'initbench-report-screenshots');
  let html = '';
  let sections: string[] = [];
  let runs = 0;

  beforeAll(async () => {
    const root = path.join(tmp, 'results');
    const dir = path.join(root, 'default');
    const { manifest, records } = synthSuiteRecords({ name: EVIL, file: 'suites/default.json', hash: 'e'.repeat(64), source: { description: 'the default suite, probed during training, with two residual nets' }, runs: plan() });
    makeResultsDir(dir);
    writeFileAtomic(manifestFile(dir), JSON.stringify(manifest));
    writeFileAtomic(runsFile(dir), records.map((r) => JSON.stringify(r) + '\n').join(''));
    writeFileAtomic(samplesFile(dir), JSON.stringify(synthSamples()));
    writeFileAtomic(checkFile(root), JSON.stringify(synthCheck()));
    writeFileAtomic(initStatsFile(root), JSON.stringify(synthAudit()));
    const r = await writeReport(dir);
    html = r.html;
    sections = r.sections;
    runs = records.length;
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('has every chart', () => {
    expect(sections).toEqual([
      'depth-law', 'width-law', 'pre-variance', 'grad-variance', 'post-moment', 'units', 'signal', 'histograms', 'histogram-curves',
      'loss', 'accuracy', 'trainability', 'norms', 'norm-lines', 'train-probes', 'samples', 'init-audit',
    ]);
  });

  it('renders every chart with nothing on the console, no dialogs, no network; fits, reads and responds as it should', async () => {
    const { chromium } = await import('playwright-core');
    const userData = fs.mkdtempSync(path.join(tmp, 'profile-'));
    const ctx = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1024, height: 768 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    try {
      const blocked: string[] = [];
      await ctx.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const page = await ctx.newPage();
      const consoleLines: string[] = [];
      const dialogs: string[] = [];
      page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => consoleLines.push(`pageerror: ${String(e)}`));
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const t0 = performance.now();
      await page.goto(`file://${html}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 120_000 });
      const ms = performance.now() - t0;

      // every chart drew its marks
      const views = await page.$$eval('.view', (els) =>
        els.map((e) => ({
          id: e.id,
          rendered: e.getAttribute('data-rendered'),
          marks: e.querySelectorAll('svg .role-mark path, svg .role-mark image, svg .role-mark line, svg .role-mark text').length,
        })),
      );
      expect(views.map((v) => v.id)).toEqual(sections.map((s) => `chart-${s}`));
      for (const v of views) {
        expect(v, v.id).toMatchObject({ rendered: 'true' });
        expect(v.marks, `${v.id} marks`).toBeGreaterThan(0);
      }
      expect(dialogs).toEqual([]);
      expect(blocked).toEqual([]);
      // the hostile suite name is page text, not markup
      expect(await page.textContent('h1')).toBe(EVIL);

      // the common settings are stated once: no other text on the page (charts included) repeats one
      const common = JSON.parse((await page.getAttribute('#settings', 'data-common')) ?? '[]') as string[];
      // (the residual nets make the architecture a varying setting)
      expect(common).toEqual(['kernel 3×3', 'padding same']);
      const elsewhere = await page.evaluate(() => {
        const settings = document.getElementById('settings')!;
        const texts: string[] = [];
        const walk = (n: Node): void => {
          if (n === settings || n.nodeName === 'SCRIPT' || n.nodeName === 'STYLE') return;
          if (n.nodeType === Node.TEXT_NODE) texts.push(n.textContent ?? '');
          n.childNodes.forEach(walk);
        };
        walk(document.body);
        return texts.join('\n');
      });
      for (const token of common) expect(elsewhere.includes(token), `"${token}" repeated`).toBe(false);

      // 1024 px: nothing wider than its card, no axis labels overprinting each other
      const wide = await page.$$eval('section', (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.id}: ${e.scrollWidth} > ${e.clientWidth}`));
      expect(wide).toEqual([]);
      const overlaps = await page.$$eval('.view', (els) => {
        const out: string[] = [];
        for (const view of els) {
          for (const axis of Array.from(view.querySelectorAll('g.role-axis'))) {
            const boxes = Array.from(axis.querySelectorAll('g.role-axis-label text'))
              .filter((t) => (t.textContent ?? '') !== '' && getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
              .map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }));
            for (let i = 0; i < boxes.length; i++) {
              for (let j = i + 1; j < boxes.length; j++) {
                const a = boxes[i]!.r;
                const b = boxes[j]!.r;
                const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                if (x > 1 && y > 1) out.push(`${view.id}: "${boxes[i]!.text}" and "${boxes[j]!.text}"`);
              }
            }
          }
        }
        return out;
      });
      expect(overlaps).toEqual([]);

      // a legend click picks xavier-normal out in every chart; Esc clears it
      const labels = await page.$$('#chart-depth-law .role-legend-label text');
      const names = await Promise.all(labels.map((l) => l.textContent()));
      await labels[names.indexOf('xavier-normal')]!.click();
      await page.waitForFunction(() => document.body.getAttribute('data-highlight') === 'xavier-normal');
      const faded = await page.$$eval('#chart-pre-variance .role-mark path', (els) => els.filter((e) => e.getAttribute('opacity') === '0.15').length);
      const kept = await page.$$eval('#chart-loss .role-mark path', (els) => els.filter((e) => e.getAttribute('opacity') === '1').length);
      expect(faded).toBeGreaterThan(0);
      expect(kept).toBeGreaterThan(0);
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => document.body.getAttribute('data-highlight') === '');

      // the run table: filter, then sort by depth
      await page.fill('#run-filter', 'xavier relu');
      const visible = await page.$$eval('#run-table tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.textContent ?? ''));
      expect(visible.length).toBe(12);
      expect(await page.textContent('#run-count')).toBe(`12 of ${runs} runs`);
      await page.click('#run-table th:text-is("depth")');
      const depths = await page.$$eval('#run-table tbody tr:not([hidden]) td:nth-child(3)', (tds) => tds.map((t) => Number(t.textContent)));
      expect(depths).toEqual([...depths].sort((a, b) => a - b));
      expect(depths[0]).toBe(1);

      // 1400×900: the headline and the first chart on the first screen
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.evaluate(() => window.scrollTo(0, 0));
      const bottoms = await page.evaluate(() => ({
        headline: document.getElementById('headline')!.getBoundingClientRect().bottom,
        chart: document.querySelector('#chart-depth-law svg')!.getBoundingClientRect().bottom,
      }));
      expect(bottoms.headline).toBeLessThanOrEqual(900);
      expect(bottoms.chart).toBeLessThanOrEqual(900);

      expect(consoleLines).toEqual([]);
      fs.mkdirSync(shots, { recursive: true });
      const shot = path.join(shots, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(fs.statSync(shot).size).toBeGreaterThan(50_000);
      console.log(`report-browser: ${views.length} charts rendered in ${ms.toFixed(0)} ms; screenshot ${shot}`);
    } finally {
      await ctx.close();
    }
  });
});
