/**
 * predictLayersDetailed pinned to its outputs before it was split into stages (test/fixtures/theory-pin):
 * every distinct input the shipped suites give it, plus architectures they do not use. Agreement is to
 * 1e-12 relative, what reordering a floating-point sum may cost.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../src/suite/index.ts';
import { isBuiltinRun } from '../src/arch/index.ts';
import { predictLayersDetailed, type PredictOptions } from '../src/theory/index.ts';
import { FIXTURE, type PinCase, columns, decode, geometryKey } from './fixtures/theory-pin/pin.ts';

const cases = (JSON.parse(readFileSync(FIXTURE, 'utf8'), decode) as { cases: PinCase[] }).cases;

const missing = (x: unknown): boolean => x === null || (typeof x === 'number' && Number.isNaN(x));

/** Paths where `actual` differs from `expected`: |a − r| ≤ 1e-300 + 1e-12·|r| for numbers; null and NaN are equal. */
function differences(actual: unknown, expected: unknown, path: string, out: string[]): string[] {
  if (missing(expected) || missing(actual)) {
    if (!(missing(expected) && missing(actual))) out.push(`${path}: ${String(actual)} ≠ ${String(expected)}`);
  } else if (typeof expected === 'number') {
    const ok = typeof actual === 'number' && (actual === expected || Math.abs(actual - expected) <= 1e-300 + 1e-12 * Math.abs(expected));
    if (!ok) out.push(`${path}: ${String(actual)} ≠ ${expected}`);
  } else if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) out.push(`${path}: length ${Array.isArray(actual) ? actual.length : '—'} ≠ ${expected.length}`);
    else expected.forEach((e, i) => differences(actual[i], e, `${path}[${i}]`, out));
  } else if (typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(expected as object), ...Object.keys(a ?? {})]);
    for (const k of keys) differences(a?.[k], (expected as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (actual !== expected) {
    out.push(`${path}: ${String(actual)} ≠ ${String(expected)}`);
  }
  return out;
}

const fmt = (x: number): string => x.toPrecision(4);

/** The case's label, from its inputs. */
function label(o: PredictOptions): string {
  const a = o.arch;
  const act = o.activation.alpha === undefined ? o.activation.name : `${o.activation.name} α=${o.activation.alpha}`;
  const down = a.downsample.at.length === 0 ? '' : ` ${a.downsample.mode}@${a.downsample.at.join(',')}`;
  const vs = o.weightVariances;
  return (
    `${act} ${a.kind} depth ${a.depth} width ${a.width} k${a.kernel} ${a.padding}${down} ` +
    `${o.input.height}×${o.input.width}×${o.input.channels} Var(W) ${fmt(vs[0]!)}…${fmt(vs.at(-1)!)} E[x²] ${o.inputVariance}` +
    (o.biasVariance > 0 ? ` Var(b) ${o.biasVariance}` : '')
  );
}

describe('predictLayersDetailed equals its pinned outputs', () => {
  it.each(cases.map((c) => [label(c.opts), c] as const))('%s', (_, c) => {
    expect(differences(columns(predictLayersDetailed(c.opts)), c.out, 'out', [])).toEqual([]);
  });
});

describe('the pinned cases cover the shipped suites', () => {
  const pinned = new Set(cases.map((c) => geometryKey(c.opts.arch, c.opts.input, c.opts.activation)));
  const files = readdirSync('suites').filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();
  it.each(files)('%s: every run’s architecture, input and activation has a pinned case', (file) => {
    const runs = loadSuite(`suites/${file}`).plan.runs.filter(isBuiltinRun);
    expect(runs.map((r) => geometryKey(r.arch, r.input, r.activation)).filter((k) => !pinned.has(k))).toEqual([]);
  });
});
