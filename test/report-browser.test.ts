/**
 * The report in a real browser: Debian chromium driven by playwright-core opens report.html from
 * file:// with every non-file request aborted, and every chart must render (an SVG with marks per
 * view) with no console errors. Skipped only when chromium is absent outside CI; in CI it must run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/report/index.ts';
import { writeResultsDir } from '../src/results/synth.ts';

const CHROMIUM = '/usr/bin/chromium';
const present = fs.existsSync(CHROMIUM);
const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!present && !inCI) {
  console.warn(`report-browser: skipped — ${CHROMIUM} not found (apt-get install chromium); in CI this test runs and fails without it`);
}

const EVIL = '</script><script>alert(1)</script>';

describe.skipIf(!present && !inCI)('report in chromium, offline from file://', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-browser-'));
  const shots = path.join(os.tmpdir(), 'initbench-report-screenshots');
  let html = '';
  let sections: string[] = [];

  beforeAll(async () => {
    const root = path.join(tmp, 'results');
    const dir = path.join(root, 'evil');
    writeResultsDir(dir, { suite: EVIL, inits: ['he-normal', 'xavier-normal', 'tfjs:heNormal'], activations: ['relu'], depths: [10, 30], train: true, samples: true, extras: true });
    const r = await writeReport(dir);
    html = r.html;
    sections = r.sections;
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('renders every chart with no console errors, no dialogs, no network', async () => {
    const { chromium } = await import('playwright-core');
    const userData = fs.mkdtempSync(path.join(tmp, 'profile-'));
    const ctx = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1300, height: 1000 },
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
      const errors: string[] = [];
      const dialogs: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const t0 = performance.now();
      await page.goto(`file://${html}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });
      const ms = performance.now() - t0;

      const views = await page.$$eval('.view', (els) =>
        els.map((e) => ({
          id: e.id,
          rendered: e.getAttribute('data-rendered'),
          marks: e.querySelectorAll('svg .role-mark path, svg .role-mark image, svg .role-mark line, svg .role-mark text').length,
          canvas: e.querySelector('canvas') !== null,
        })),
      );
      expect(views.map((v) => v.id)).toEqual(sections.map((s) => `chart-${s}`));
      for (const v of views) {
        expect(v, v.id).toMatchObject({ rendered: 'true' });
        expect(v.marks, `${v.id} marks`).toBeGreaterThan(0);
      }
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(blocked).toEqual([]);
      // the hostile suite name is page text, not markup
      expect(await page.textContent('h1')).toBe(EVIL);
      expect(await page.title()).toBe(`initbench report: ${EVIL}`);

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
