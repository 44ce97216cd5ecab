/**
 * The one terminal table (src/cli/table.ts) and the commands that print with it: no line wider than
 * the width it is given (80 and 100 columns), constant columns moved to one settings line above, one
 * number format.
 */
import { describe, expect, it } from 'vitest';
import type { CheckRow } from '../src/core/types.ts';
import type { HeadlineRow } from '../src/report/headline.ts';
import { summarize } from '../src/check/table.ts';
import { caseTable, summaryTable } from '../src/cli/commands/check.ts';
import { headlineText } from '../src/cli/commands/report.ts';
import { DEFAULT_TABLE_WIDTH, fmtNum, formatTable, tableWidth, wrap } from '../src/cli/table.ts';

const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

// the settings of today's default suite, whose headline table was ~200 columns wide
const HEADLINE: HeadlineRow[] = ['he-normal', 'xavier-normal (fan_avg)', 'orthogonal (gain 1.414)', 'lsuv (tol 0.1, 10 iters)'].flatMap((init, i) =>
  ['relu', 'leaky_relu(0.01)'].map((act) => ({
    setting: `${init} + ${act} · plain, width 64, 32×32×3 input, padding same`,
    depth: 30,
    perLayerRatio: 0.5 + i * 0.1234567,
    theoryPerLayerRatio: 0.5 + i * 0.125,
    lastOverFirst: 1.2345e-9 * (i + 1),
    finalAccuracy: i === 0 ? null : 0.1 + i / 10,
    outcome: 'learns 3/6 [0.19, 0.81], stalled 1/6, diverged 2/6',
    learns: { k: 3, n: 6, low: 0.1876, high: 0.8124 },
  })),
);

const CHECK: CheckRow[] = ['cpu', 'wasm'].flatMap((backend) =>
  ['conv2d.forward', 'conv2d.grad.w', 'model.plain12.grads'].map((op, i) => ({
    op, case: `x=[1,8,8,3] w=[3,3,3,4] s=2 p=same dilation=1 layout=NHWC case-${i}`, backend, maxAbs: 1.5e-7 * (i + 1), maxRel: 3e-6, atol: 1e-5, rtol: 1e-4,
    mismatches: i === 2 ? 7 : 0, verdict: i === 2 ? ('fail' as const) : ('pass' as const),
    detail: i === 2 ? 'first mismatches: [0,1,2,3] reference 0.123456789 vs tfjs 0.123999999; [0,1,2,4] reference 0.5 vs tfjs 0.51; and five more entries' : null,
  })),
);

describe('formatTable', () => {
  it.each([80, 100])('keeps every line of the bench headline, check cases and check summary within %i columns', (width) => {
    for (const text of [headlineText({ rows: HEADLINE, html: 'results/default/report.html', warnings: [], ms: 1234 }, width), caseTable(CHECK, width), summaryTable(summarize(CHECK), width)]) {
      expect(widest(text)).toBeLessThanOrEqual(width);
    }
    // the setting names still start as they did: cut at the end with an ellipsis, not dropped
    expect(headlineText({ rows: HEADLINE, html: 'r.html', warnings: [], ms: 0 }, width)).toMatch(/^he-normal \+ relu/m);
  });

  it('moves the columns every row shares to one settings line above the table', () => {
    const text = formatTable([{ header: 'init' }, { header: 'depth', align: 'right' }, { header: 'ratio', align: 'right' }], [['he', '30', '1.000'], ['xavier', '30', '0.5000']], { width: 80 });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('all rows: depth 30');
    expect(lines[1]).toBe('init     ratio');
    expect(lines[3]).toBe('he       1.000');
    expect(lines[4]).toBe('xavier  0.5000');
    // the headline's constant depth (30) and outcome leave the table for the settings line
    const h = headlineText({ rows: HEADLINE, html: 'r.html', warnings: [], ms: 0 }, 100).split('\n');
    expect(h[0]).toMatch(/^all rows: depth 30, runs learns 3\/6 \[0\.19, 0\.81\]/);
    expect(h[1]).not.toMatch(/depth/);
  });

  it('keeps a lone row whole: with one row nothing varies and nothing moves', () => {
    const text = formatTable([{ header: 'a' }, { header: 'b' }], [['x', 'y']], { width: 80 });
    expect(text).toBe('a  b\n─  ─\nx  y\n');
  });

  it('cuts text columns before numbers, and puts a failure detail under its row wrapped to the width', () => {
    const text = caseTable(CHECK, 80);
    expect(text).toMatch(/…/);
    // numbers whole: 1.5e-7 × 3 → 4.50e-7
    expect(text).toContain('4.50e-7');
    const detail = text.split('\n').filter((l) => l.startsWith('    '));
    expect(detail.join(' ').replace(/\s+/g, ' ')).toContain('and five more entries');
  });

  it('shares a cut between two long text columns: 40 + 40 characters in 60 columns leave each ≥ 27', () => {
    const cols = [{ header: 'setting' }, { header: 'n', align: 'right' as const }, { header: 'outcome' }];
    const rows = [['a'.repeat(40), '1', 'b'.repeat(40)], ['c'.repeat(40), '2', 'd'.repeat(40)]];
    const text = formatTable(cols, rows, { width: 60 });
    expect(widest(text)).toBeLessThanOrEqual(60);
    const first = text.split('\n').find((l) => l.startsWith('a'))!;
    // 60 − 1 (n) − 2·2 separators = 55 for the two text columns: 28 + 27, not 15 + 40
    expect(first.match(/^a+…/)![0].length).toBeGreaterThanOrEqual(27);
    expect(first.match(/b+…?$/)![0].length).toBeGreaterThanOrEqual(27);
  });

  it('uses 100 columns when stdout is not a terminal (vitest pipes it)', () => {
    expect(process.stdout.isTTY === true ? tableWidth() : DEFAULT_TABLE_WIDTH).toBe(tableWidth());
    if (process.stdout.isTTY !== true) expect(tableWidth()).toBe(100);
  });
});

describe('fmtNum', () => {
  it('gives 4 significant digits in [1e-3, 1e4) and a 2-digit exponent outside, one way for every table', () => {
    expect(fmtNum(0.5)).toBe('0.5000');
    expect(fmtNum(1 / 3)).toBe('0.3333');
    expect(fmtNum(9999)).toBe('9999');
    expect(fmtNum(12345)).toBe('1.23e+4');
    expect(fmtNum(-2.5e-4)).toBe('-2.50e-4');
    expect(fmtNum(0)).toBe('0');
    expect(fmtNum(null)).toBe('-');
    expect(fmtNum(Infinity)).toBe('Infinity');
  });
});

describe('wrap', () => {
  it('breaks between words within the width and indents the later lines', () => {
    expect(wrap('aa bb cc dd', 5, ' ')).toEqual(['aa bb', ' cc', ' dd']);
    expect(wrap('abcdefgh ij', 5)).toEqual(['abcd…', 'ij']);
  });
});
