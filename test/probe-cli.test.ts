import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProbeArgs, probeRunSpec } from '../src/cli/commands/probe.ts';
import { InputError } from '../src/core/errors.ts';
import { planSuiteText } from '../src/suite/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'initbench.js');

const base = {
  init: 'he-normal',
  activation: 'relu',
  depth: '30',
  width: '64',
  arch: 'plain',
  kernel: '3',
  size: '32',
  channels: '3',
  batch: '32',
  'input-std': '1',
  head: 'none',
  bias: false,
  seeds: '3',
  seed: '1',
  backend: 'auto',
  json: false,
};

describe('initbench probe flags', () => {
  it('defaults parse to a plain depth-30 width-64 net on 32×32×3, 3 seeds with distinct non-zero seeds', async () => {
    const o = await parseProbeArgs(base);
    expect(o.arch).toMatchObject({ kind: 'plain', depth: 30, width: 64, kernel: 3, padding: 'same', bias: false, head: 'none' });
    expect(o.input).toEqual({ height: 32, width: 32, channels: 3 });
    const seeds = [0, 1, 2].map((r) => probeRunSpec(o, r).seed);
    expect(new Set(seeds).size).toBe(3);
    expect(seeds.every((s) => s > 0)).toBe(true);
  });

  it('no flags but the seed: the suite defaults (depth 10, width 64), with the ids and seeds `run` plans for the same point', async () => {
    const o = await parseProbeArgs({ seeds: '2', seed: '7', backend: 'auto', json: false });
    expect(o.arch).toMatchObject({ kind: 'plain', depth: 10, width: 64, kernel: 3, head: 'none' });
    const suite = { name: 'probe', description: 'initbench probe', seed: 7, seeds: 2, matrix: { init: ['he-normal'] } };
    const planned = planSuiteText(JSON.stringify(suite), 'same-point.json').plan.runs;
    expect(o.specs.map((s) => [s.id, s.seed])).toEqual(planned.map((s) => [s.id, s.seed]));
  });

  const bad: [string, Partial<typeof base> & { alpha?: number }, RegExp][] = [
    ['depth "ten"', { depth: 'ten' }, /--depth: expected a whole number/],
    ['depth 0', { depth: '0' }, /--depth/],
    ['depth 10000 (absurd)', { depth: '10000' }, /--depth: expected a whole number in \[1, 9999\]/],
    ['width -4', { width: '-4' }, /--width/],
    ['width 10000 (absurd, as in suites)', { width: '10000' }, /--width: expected a whole number in \[1, 9999\]/],
    ['size 10000 (absurd, as in suites)', { size: '10000' }, /--size: expected a whole number in \[1, 9999\]/],
    ['residual with even depth', { arch: 'residual', depth: '4' }, /--depth: expected an odd depth/],
    ['unknown arch', { arch: 'resnet' }, /--arch: unknown architecture "resnet"/],
    ['unknown init with a suggestion', { init: 'he-nromal' }, /did you mean "he-normal"/],
    ['unknown activation with a suggestion', { activation: 'rleu' }, /did you mean "relu"/],
    ['alpha on relu', { alpha: 0.2 }, /--alpha/],
    ['input-std 0', { 'input-std': '0' }, /--input-std: expected a number > 0/],
    ['head unknown', { head: 'mlp' }, /--head/],
    ['init JSON that does not parse', { init: '{"name":' }, /--init/],
    // a suite's rule: tfjs reads seed 0 as "random"
    ['seed 0', { seed: '0' }, /--seed: expected a whole number in \[1, 2147483647\]/],
  ];
  for (const [name, over, msg] of bad) {
    it(`${name} → InputError`, async () => {
      await expect(parseProbeArgs({ ...base, ...over } as typeof base)).rejects.toThrow(InputError);
      await expect(parseProbeArgs({ ...base, ...over } as typeof base)).rejects.toThrow(msg);
    });
  }

  it('the CLI: a tiny probe prints JSON with the summary; a bad flag exits 2 naming it', () => {
    const ok = spawnSync(process.execPath, [bin, 'probe', '--depth', '3', '--width', '4', '--size', '8', '--batch', '2', '--seeds', '2', '--backend', 'cpu', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ok.status).toBe(0);
    const out = JSON.parse(ok.stdout) as {
      aggregate: { summary: { perLayerRatio: { n: number }; theoryPerLayerRatio: number }; layers: { theory: { meanField: { chi1: number } } }[] };
      results: { cotangent: string }[];
    };
    expect(out.aggregate.summary.perLayerRatio.n).toBe(2);
    expect(out.aggregate.summary.theoryPerLayerRatio).toBeGreaterThan(0);
    expect(out.results[0]!.cotangent).toBe('unit-gaussian');
    // He + ReLU sits at the edge of chaos: χ₁ = σ_w²·E[φ′²] = 2·½, shared by both seeds in the aggregate
    expect(out.aggregate.layers[1]!.theory.meanField.chi1).toBeCloseTo(1, 9);
    const bad = spawnSync(process.execPath, [bin, 'probe', '--depth', 'ten', '--backend', 'cpu'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--depth: expected a whole number in \[1, 9999\], got "ten"/);
    expect(bad.stdout).toBe('');
  });
});
