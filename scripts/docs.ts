/**
 * `npm run docs`: regenerates docs/report.png, the README's picture of the report — its first
 * screen at 1400×900 (the headline and the first chart), rendered by Debian chromium through
 * playwright-core from a report of the default suite. It uses results/default when `npm run bench`
 * has written it, else the default suite's 76 planned runs synthesized (results/synth.ts), and says
 * which. The report is written to a scratch file, never into the results dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeReport } from '../src/report/index.ts';
import { checkFile, initStatsFile, manifestFile, runsFile, samplesFile } from '../src/results/paths.ts';
import { makeResultsDir, writeFileAtomic } from '../src/results/store.ts';
import { synthAudit, synthCheck, synthSamples, synthSuiteRecords } from '../src/results/synth.ts';
import { loadSuite } from '../src/suite/index.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = path.join('docs', 'report.png');
const VIEWPORT = { width: 1400, height: 900 };

/** The default suite's results: the real ones when present, else synthesized into `scratch`. */
function resultsDir(scratch: string): { dir: string; what: string } {
  const real = path.join('results', 'default');
  if (fs.existsSync(runsFile(real)) && fs.existsSync(manifestFile(real))) return { dir: real, what: `${real} (measured)` };
  const suite = loadSuite(path.join('suites', 'default.json'));
  const { manifest, records } = synthSuiteRecords({ name: suite.suite.name, file: suite.file, hash: suite.hash, source: suite.source, runs: suite.plan.runs });
  const root = path.join(scratch, 'results');
  const dir = path.join(root, 'default');
  makeResultsDir(dir);
  writeFileAtomic(manifestFile(dir), JSON.stringify(manifest));
  writeFileAtomic(runsFile(dir), records.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(samplesFile(dir), JSON.stringify(synthSamples()));
  writeFileAtomic(checkFile(root), JSON.stringify(synthCheck()));
  writeFileAtomic(initStatsFile(root), JSON.stringify(synthAudit()));
  return { dir, what: `suites/default.json's ${records.length} runs, synthesized (no results/default; \`npm run bench\` measures them)` };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    process.stderr.write(`docs: ${CHROMIUM} not found; install it (apt-get install chromium) or point CHROMIUM at a chromium binary\n`);
    process.exit(1);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-docs-'));
  try {
    const { dir, what } = resultsDir(scratch);
    const html = path.join(scratch, 'report.html');
    await writeReport(dir, { out: html, index: false });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
      // offline, as a reader opens it: nothing but the file itself
      await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await page.goto(`file://${html}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 120_000 });
      fs.mkdirSync(path.dirname(OUT), { recursive: true });
      await page.screenshot({ path: OUT });
    } finally {
      await browser.close();
    }
    process.stdout.write(`docs: ${OUT} (${fs.statSync(OUT).size} bytes): the first ${VIEWPORT.width}×${VIEWPORT.height} screen of the report of ${what}\n`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
