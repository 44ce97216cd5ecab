/**
 * The page on the default suite (suites/default.json planned by suite/, its 76 runs synthesized by
 * results/synth.ts): labels name only what differs, the settings every run shares are stated once,
 * legends list only what is drawn, every run reaches a chart; and the cross-check summary and run table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { withLine } from '../src/report/charts/common.ts';
import { checkSummary, checkSummaryHtml } from '../src/report/checks.ts';
import { headline } from '../src/report/headline.ts';
import { buildSections } from '../src/report/index.ts';
import { depthLawRows, widthLawRows } from '../src/report/rows-probe.ts';
import { pageOf, trainabilityRows } from '../src/report/rows.ts';
import { runTableHtml } from '../src/report/table.ts';
import { synthAudit, synthCheck, synthSuiteRecords } from '../src/results/synth.ts';
import { loadSuite } from '../src/suite/index.ts';

const suite = loadSuite('suites/default.json');
const { records } = synthSuiteRecords({ name: suite.suite.name, file: suite.file, hash: suite.hash, source: suite.source, runs: suite.plan.runs });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-page-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const built = buildSections({ records, samples: null, check: synthCheck(), audit: synthAudit(), dir: path.join(tmp, 'default') });

/** Every data row of a spec, its own and its concatenated views'. */
function rowsOf(spec: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    const values = (o.data as { values?: unknown } | undefined)?.values;
    if (Array.isArray(values)) out.push(...(values as Record<string, unknown>[]));
    for (const [k, v] of Object.entries(o)) if (k !== 'data') walk(v);
  };
  walk(spec);
  return out;
}

/** What a reader sees of a spec: its text (titles, subtitles, header tables, legend and axis titles, scale domains) and the labels its rows carry into headers and legends. */
function visibleText(spec: TopLevelSpec): string {
  const strip = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(strip);
    if (n === null || typeof n !== 'object') return n;
    return Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'data').map(([k, v]) => [k, strip(v)]));
  };
  const labels = new Set<string>();
  for (const r of rowsOf(spec)) for (const k of ['panel', 'init', 'tag', 'when', 'statistic', 'label']) if (typeof r[k] === 'string') labels.add(r[k] as string);
  return `${JSON.stringify(strip(spec))}\n${[...labels].join('\n')}`;
}

describe('the default suite: 76 runs', () => {
  const page = pageOf(records);

  it('the settings every run shares: plain 3×3 same-padded nets, probed at init only; the usual run: width 32, 32×32 inputs, untrained', () => {
    expect(records).toHaveLength(76);
    expect(page.common).toEqual(['plain nets', 'kernel 3×3', 'padding same', 'probed at init only']);
    expect(page.usual).toEqual(['width 32', 'no downsampling', 'no bias', 'no head', 'input 32×32×3', 'gaussian probe σ=1 n=8', 'no data set', 'not trained']);
  });

  it('no chart title, subtitle, facet header, legend or axis repeats a setting shared by all runs (nor in the exported --svg/--png form)', () => {
    expect(built.charts.length).toBeGreaterThanOrEqual(14);
    for (const c of built.charts) {
      for (const text of [visibleText(c.spec), visibleText(withLine(c.spec, c.line))]) {
        for (const token of page.common) expect(text.includes(token), `${c.name} repeats "${token}"`).toBe(false);
      }
    }
  });

  it('no chart label carries the usual run’s settings: a panel names a setting only where it differs', () => {
    for (const c of built.charts) {
      const labels = new Set(rowsOf(c.spec).flatMap((r) => [r.panel, r.init, r.tag]).filter((v): v is string => typeof v === 'string'));
      for (const l of labels) for (const token of page.usual) expect(l.split(' · ').includes(token), `${c.name}: "${l}" names "${token}"`).toBe(false);
    }
    const pre = built.charts.find((c) => c.name === 'pre-variance')!;
    expect(new Set(rowsOf(pre.spec).map((r) => r.panel))).toEqual(
      new Set(['relu', 'tanh', 'one initializer per activation', 'relu · width 8 · input 16×16×3', 'relu · width 64 · input 16×16×3', 'relu · trained']),
    );
  });

  it('a colour legend lists exactly the initializers the chart draws', () => {
    for (const c of built.charts) {
      const domains: string[][] = [];
      const walk = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(walk);
        if (n === null || typeof n !== 'object') return;
        const o = n as Record<string, unknown>;
        const color = (o.encoding as { color?: { field?: string; scale?: { domain?: string[] } } } | undefined)?.color;
        if (color?.field === 'init' && color.scale?.domain !== undefined) domains.push(color.scale.domain);
        for (const [k, v] of Object.entries(o)) if (k !== 'data') walk(v);
      };
      walk(c.spec);
      const drawn = new Set(rowsOf(c.spec).map((r) => r.init).filter((v): v is string => typeof v === 'string' && v !== ''));
      for (const d of domains) expect(new Set(d), c.name).toEqual(drawn);
    }
    // the training charts draw He and Xavier only, though the page has four initializers
    const loss = built.charts.find((c) => c.name === 'loss')!;
    expect(new Set(rowsOf(loss.spec).map((r) => r.init))).toEqual(new Set(['he-normal', 'xavier-normal']));
  });

  it('every run reaches a chart: 68 in the depth law (60 swept + 8 of the gain table), 4 in the width view, 4 trained', () => {
    const law = depthLawRows(records).rows.filter((r) => r.series === 'measured');
    const width = widthLawRows(records).rows.filter((r) => r.series === 'seed');
    const trainedRuns = trainabilityRows(records).rows.reduce((a, c) => a + c.runs, 0);
    expect(law.reduce((a, r) => a + r.seeds, 0)).toBe(68);
    expect(width).toHaveLength(4);
    expect(trainedRuns).toBe(4);
  });

  it('the first chart is the depth law; every chart this suite can have is there, the probes during training are missing with the fix', () => {
    expect(built.charts.map((c) => c.name)).toEqual([
      'depth-law', 'width-law', 'pre-variance', 'grad-variance', 'post-moment', 'units', 'signal', 'histograms', 'histogram-curves',
      'loss', 'accuracy', 'trainability', 'norms', 'norm-lines', 'init-audit',
    ]);
    expect(built.missing.map((m) => m.title)).toEqual(['Probes during training', 'Data samples']);
    expect(built.missing[0]!.why).toMatch(/"atSteps": \[50, 200\]/);
    expect(built.law).toMatch(/^Fitted factor per layer over depths 1–30 — relu: he-normal ×0\.9\d, tfjs:heNormal ×0\.7\d, xavier-normal ×0\.4\d; tanh: /);
  });

  it('the headline and claims name no common setting and, for the usual runs, none of their settings', () => {
    const h = headline(records);
    expect(h.claims.map((c) => c.verdict)).toEqual(['holds', 'holds', 'holds']);
    expect(h.claims[0]!.measured).toMatch(/^xavier-normal \+ relu \(depth 30\): × 0\.4\d per layer = 0\.5\d × padding 0\.96$/);
    for (const text of [...h.sentences, ...h.claims.map((c) => c.measured), ...h.rows.map((r) => r.setting)]) {
      for (const token of page.common) expect(text.includes(token), text).toBe(false);
    }
    expect(h.rows.find((r) => r.setting.startsWith('he-normal + relu · width 8'))?.setting).toBe('he-normal + relu · width 8 · input 16×16×3');
    // the training study, which differs in a dozen settings, is "trained" as on the charts
    expect(h.rows.filter((r) => r.setting.endsWith('· trained')).map((r) => r.setting)).toEqual(['he-normal + relu · trained', 'xavier-normal + relu · trained']);
  });

  it('the run table: a column per varying setting (bare values), none for the common ones, a row per run', () => {
    const html = runTableHtml(records, page);
    expect((html.match(/<tr class|<tr>/g) ?? []).length).toBe(1 + 76);
    const heads = [...html.matchAll(/<th data-col="\d+" title="sort">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(heads.slice(0, 4)).toEqual(['initializer', 'activation', 'depth', 'width']);
    for (const h of ['arch', 'kernel', 'padding', 'probed']) expect(heads).not.toContain(h);
    expect(html).toContain('<td data-v="32">32</td>');
    for (const token of page.common) expect(html.includes(token)).toBe(false);
  });
});

describe('the cross-check summary', () => {
  const check = synthCheck();

  it('counts per op family and backend, and the worst error over its tolerance', () => {
    const rows = checkSummary(check.rows);
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.family === 'conv2d' && r.backend === 'wasm')).toMatchObject({ cases: 6, pass: 5, fail: 1, error: 0, skip: 0, worst: 4e-2 / 1e-4 });
    expect(rows.find((r) => r.family === 'conv2d' && r.backend === 'cpu')).toMatchObject({ cases: 6, pass: 6, fail: 0, worst: 5e-7 / 1e-4 });
  });

  it('failures listed in full, passes folded away', () => {
    const html = checkSummaryHtml(check);
    expect(html).toContain('<h3>Failures (1)</h3>');
    expect(html).toContain('[0,1,2,3]: tfjs 0.51 vs reference 0.49');
    expect(html).toMatch(/<details><summary>Passing ops \(10 op × backend pairs, 19 cases\)<\/summary>/);
  });
});
