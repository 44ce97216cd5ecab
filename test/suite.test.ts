import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { loadSuite, planSuite, planSuiteText, suiteJsonSchemaText, validateSuiteValue, type SuiteSpec } from '../src/suite/index.ts';
import { ABSURD_DEPTH, ABSURD_INPUT, ABSURD_WIDTH, MAX_PLANNED_RUNS, QUICK, type PlanProgress } from '../src/suite/plan.ts';
import { firstBadUtf8Byte } from '../src/suite/validate.ts';
import { builtinRun, isBuiltinRun } from '../src/arch/index.ts';

const SUITES = path.resolve('suites');
const shipped = fs.readdirSync(SUITES).filter((f) => f.endsWith('.json') && f !== 'schema.json').sort();

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const base = { name: 'x', description: 'd', seed: 5 };

describe('suites/schema.json', () => {
  it('equals the schema generated from the validator (npm run schema)', () => {
    expect(fs.readFileSync(path.join(SUITES, 'schema.json'), 'utf8')).toBe(suiteJsonSchemaText());
  });

  it('is a draft-07 schema that a stock Ajv compiles and that accepts every shipped suite', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(SUITES, 'schema.json'), 'utf8')) as object);
    for (const f of shipped) {
      expect(validate(JSON.parse(fs.readFileSync(path.join(SUITES, f), 'utf8'))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe('shipped suites corpus', () => {
  it('ships the probe studies', () => {
    expect(shipped).toEqual(expect.arrayContaining(['seed-claims.json', 'activations.json', 'width.json', 'default.json']));
  });

  for (const f of shipped) {
    it(`${f}: validates, plans, names itself after its file, and does not mutate its input`, () => {
      const text = fs.readFileSync(path.join(SUITES, f), 'utf8');
      const source = deepFreeze(JSON.parse(text) as unknown);
      const before = JSON.stringify(source);
      const suite = validateSuiteValue(source, f);
      // the file as a path: a model arch's path is relative to it
      const plan = planSuite(suite, { file: path.join(SUITES, f) });
      expect(JSON.stringify(source)).toBe(before);
      expect(suite.name).toBe(f.replace(/\.json$/, ''));
      expect(plan.runs.length).toBeGreaterThan(0);
      const ids = new Set(plan.runs.map((r) => r.id));
      expect(ids.size).toBe(plan.runs.length);
      for (const r of plan.runs) {
        expect(r.seed).toBeGreaterThan(0);
        expect(Number.isInteger(r.seed)).toBe(true);
        expect(r.id).toMatch(/^[0-9a-f]{12}$/);
      }
      const quick = planSuite(suite, { file: path.join(SUITES, f), quick: true });
      expect(quick.runs.length).toBeLessThanOrEqual(plan.runs.length);
      for (const r of quick.runs) {
        // a model file is what it is: --quick shrinks its seeds, training and probe, not its layers
        if (isBuiltinRun(r)) {
          expect(r.arch.depth).toBeLessThanOrEqual(QUICK.depth);
          expect(r.arch.width).toBeLessThanOrEqual(QUICK.width);
        } else expect(r.arch).toEqual(plan.runs.find((p) => p.init.name === r.init.name)!.arch);
        expect(r.repeat).toBeLessThan(QUICK.seeds);
        if (r.train !== null) expect(r.train.steps).toBeLessThanOrEqual(QUICK.steps);
      }
    });
  }
});

describe('planning', () => {
  const suite: SuiteSpec = {
    ...base,
    seeds: 2,
    defaults: { width: 8, input: { height: 8, width: 8 }, probe: { batch: 4 } },
    matrix: { init: ['he-normal', 'xavier-normal'], activation: ['relu', 'tanh'], depth: [1, 3] },
    exclude: [{ init: 'xavier-normal', activation: 'tanh' }],
    include: [{ init: { name: 'orthogonal' }, activation: { name: 'leaky_relu', alpha: 0.2 }, depth: 2 }],
  };

  it('matrix product minus exclude plus include, times seeds, repeat-major', () => {
    const plan = planSuite(suite, { file: 'x.json' });
    // (2·2 − 1)·2 depths = 6 points, + 1 include = 7, × 2 seeds
    expect(plan.runs).toHaveLength(14);
    expect(plan.runs.slice(0, 7).every((r) => r.repeat === 0)).toBe(true);
    expect(plan.runs.some((r) => r.init.name === 'xavier-normal' && r.activation.name === 'tanh')).toBe(false);
    const inc = plan.runs[6]!;
    expect(inc).toMatchObject({ init: { name: 'orthogonal' }, activation: { name: 'leaky_relu', alpha: 0.2 }, arch: { depth: 2, width: 8 } });
    expect(inc.input).toEqual({ height: 8, width: 8, channels: 3 });
    expect(inc.probe).toEqual({ batch: 4, source: 'gaussian', inputStd: 1, atSteps: [] });
  });

  it('the same suite twice gives identical ids and seeds; key order does not matter', () => {
    const a = planSuite(suite, { file: 'x.json' });
    const b = planSuite(suite, { file: 'x.json' });
    expect(b.runs.map((r) => [r.id, r.seed])).toEqual(a.runs.map((r) => [r.id, r.seed]));
    const reordered = JSON.parse(JSON.stringify({ matrix: suite.matrix, exclude: suite.exclude, include: suite.include, seeds: 2, defaults: { probe: { batch: 4 }, input: { width: 8, height: 8 }, width: 8 }, seed: 5, description: 'd', name: 'x' })) as SuiteSpec;
    expect(planSuite(reordered, { file: 'x.json' }).runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
  });

  it('seeds differ across repeats and suite seeds; ids are hashes of the spec', () => {
    const a = planSuite(suite, { file: 'x.json' });
    const r0 = a.runs[0]!;
    const r1 = a.runs.find((r) => r.repeat === 1 && r.init.name === r0.init.name && r.arch.depth === r0.arch.depth && r.activation.name === r0.activation.name)!;
    expect(r1.seed).not.toBe(r0.seed);
    expect(r1.id).not.toBe(r0.id);
    const other = planSuite({ ...suite, seed: 6 }, { file: 'x.json' });
    expect(other.runs[0]!.seed).not.toBe(r0.seed);
  });

  it('a duplicate point (include repeating the matrix) is planned once', () => {
    const plan = planSuite({ ...base, matrix: { depth: [1, 2] }, include: [{ depth: 2 }] }, { file: 'x.json' });
    expect(plan.runs.map((r) => r.arch.depth)).toEqual([1, 2]);
  });

  it('downsample indices beyond a run\'s depth are dropped, so one schedule serves a depth axis', () => {
    const plan = planSuite({ ...base, defaults: { downsample: { at: [2, 4], mode: 'maxpool' } }, matrix: { depth: [3, 6] } }, { file: 'x.json' });
    expect(plan.runs.map((r) => builtinRun(r).arch.downsample.at)).toEqual([[2], [2, 4]]);
  });

  it('training defaults: data classes flow to the head, sgd has no momentum, step schedule filled in', () => {
    const plan = planSuite(
      { ...base, defaults: { data: { kind: 'synthetic', classes: 4 }, train: { steps: 90, schedule: { kind: 'step' } } }, matrix: { depth: [2] } },
      { file: 'x.json' },
    );
    const r = plan.runs[0]!;
    expect(r.arch).toMatchObject({ head: 'gap-dense', classes: 4 });
    expect(r.train).toMatchObject({ optimizer: 'sgd', momentum: 0, steps: 90, schedule: { kind: 'step', every: 30, factor: 0.1 } });
    expect(r.data).toEqual({ kind: 'synthetic', difficulty: 0.5, classes: 4, trainSize: 4096, testSize: 1024 });
  });

  it(`depth ≥ ${ABSURD_DEPTH} plans with force`, () => {
    const s: SuiteSpec = { ...base, defaults: { width: 1, input: { height: 1, width: 1, channels: 1 } }, matrix: { depth: [ABSURD_DEPTH] } };
    expect(() => planSuite(s, { file: 'x.json' })).toThrow(/--force/);
    expect(planSuite(s, { file: 'x.json', force: true }).runs[0]!.arch.depth).toBe(ABSURD_DEPTH);
  });

  it(`width ≥ ${ABSURD_WIDTH} and input sides ≥ ${ABSURD_INPUT} plan with force`, () => {
    const s: SuiteSpec = { ...base, defaults: { depth: 1, input: { height: ABSURD_INPUT, width: 1, channels: 1 } }, matrix: { width: [ABSURD_WIDTH] } };
    expect(() => planSuite(s, { file: 'x.json' })).toThrow(/--force/);
    const r = builtinRun(planSuite(s, { file: 'x.json', force: true }).runs[0]!);
    expect([r.arch.width, r.input.height]).toEqual([ABSURD_WIDTH, ABSURD_INPUT]);
  });

  it(`a plan of more than ${MAX_PLANNED_RUNS} runs is refused at once, from the axis sizes, naming the count and the sizes`, () => {
    // 100 × 100 points × 10 000 seeds = 10⁸ runs: expanding them took minutes and 1.7 GB
    const big: SuiteSpec = { ...base, seeds: 10000, matrix: { depth: Array.from({ length: 100 }, (_, i) => i + 1), width: Array.from({ length: 100 }, (_, i) => i + 1) } };
    const t0 = performance.now();
    expect(() => planSuite(big, { file: 'x.json' })).toThrow(
      'x.json: expected at most 100000 planned runs (pass --force to plan more), got up to 100000000: matrix depth 100 × width 100 = 10000 points, × 10000 seeds',
    );
    expect(performance.now() - t0).toBeLessThan(500);
    // includes count; under --quick the count is of its 2 seeds (and the include, capped to depth 10, is a matrix point)
    const inc: SuiteSpec = { ...base, seeds: 10000, matrix: { depth: Array.from({ length: 10 }, (_, i) => i + 1) }, include: [{ depth: 20 }] };
    expect(() => planSuite(inc, { file: 'x.json' })).toThrow('got up to 110000: matrix depth 10 = 10 points + 1 include, × 10000 seeds');
    expect(planSuite(inc, { file: 'x.json', quick: true }).runs).toHaveLength(20);
  });

  it('planning reports progress every thousand points and runs', () => {
    const s: SuiteSpec = { ...base, defaults: { depth: 1, input: { height: 2, width: 2, channels: 1 } }, matrix: { width: Array.from({ length: 1250 }, (_, i) => i + 1) } };
    const seen: PlanProgress[] = [];
    expect(planSuite(s, { file: 'x.json', onProgress: (p) => seen.push(p) }).runs).toHaveLength(1250);
    expect(seen).toEqual([
      { phase: 'points', done: 1000, total: 1250 },
      { phase: 'runs', done: 1000, total: 1250 },
    ]);
  });
});

/** name → suite text, and every piece its one-line error must hold */
const BAD: [string, string, string[]][] = [
  ['not JSON', '{"name": "x",\n  "seed": 1,,\n}', ['suites/x.json: line 2, column 13: not valid JSON']],
  ['truncated JSON', '{"name": "x"', ['suites/x.json: line 1, column 13: not valid JSON']],
  ['not an object', '[1, 2]', ['suites/x.json: expected a suite object, got an array of 2']],
  ['a string', '"suite"', ['suites/x.json: expected a suite object, got "suite"']],
  ['depth as a word', JSON.stringify({ ...base, matrix: { depth: [1, 2, 'ten'] } }), ['suites/x.json: matrix.depth[2]: expected integer ≥ 1, got "ten"']],
  ['depth 0', JSON.stringify({ ...base, matrix: { depth: [0] } }), ['suites/x.json: matrix.depth[0]: expected integer ≥ 1, got 0']],
  ['absurd depth', JSON.stringify({ ...base, matrix: { depth: [20000] } }), ['suites/x.json: matrix.depth[0]: expected integer < 10000 (pass --force']],
  ['width 0', JSON.stringify({ ...base, matrix: { width: [16, 0] } }), ['suites/x.json: matrix.width[1]: expected integer ≥ 1, got 0']],
  ['absurd width', JSON.stringify({ ...base, matrix: { width: [16, 1e9] } }), ['suites/x.json: matrix.width[1]: expected integer < 10000 (pass --force to build wider nets), got 1000000000']],
  ['absurd input height', JSON.stringify({ ...base, defaults: { input: { height: 20000 } }, matrix: { depth: [1] } }), ['suites/x.json: defaults.input.height: expected integer < 10000 (pass --force for larger inputs), got 20000']],
  ['absurd input width in a matrix entry', JSON.stringify({ ...base, matrix: { input: [{ width: 10000 }] } }), ['suites/x.json: matrix.input[0].width: expected integer < 10000 (pass --force for larger inputs), got 10000']],
  ['negative width in defaults', JSON.stringify({ ...base, defaults: { width: -3 }, matrix: { depth: [1] } }), ['suites/x.json: defaults.width: expected integer ≥ 1, got -3']],
  ['fractional depth', JSON.stringify({ ...base, matrix: { depth: [2.5] } }), ['suites/x.json: matrix.depth[0]: expected integer ≥ 1, got 2.5']],
  ['lr as a string', JSON.stringify({ ...base, defaults: { data: { kind: 'synthetic' }, train: { lr: '0.1' } }, matrix: { depth: [1] } }), ['suites/x.json: defaults.train.lr: expected number > 0, got "0.1"']],
  ['momentum out of range', JSON.stringify({ ...base, matrix: { train: [{ momentum: 1.5 }] } }), ['suites/x.json: matrix.train[0].momentum: expected number ≥ 0 and < 1, got 1.5']],
  ['empty matrix', JSON.stringify({ ...base, matrix: {} }), ['suites/x.json: matrix: expected a non-empty object of axes']],
  ['empty axis', JSON.stringify({ ...base, matrix: { depth: [] } }), ['suites/x.json: matrix.depth: expected a non-empty array of integer ≥ 1, got an array of 0']],
  ['missing matrix', JSON.stringify(base), ['suites/x.json: matrix: expected a non-empty object of axes']],
  ['missing name', JSON.stringify({ description: 'd', seed: 1, matrix: { depth: [1] } }), ['suites/x.json: name: expected a name of lowercase letters']],
  ['seed 0', JSON.stringify({ ...base, seed: 0, matrix: { depth: [1] } }), ['suites/x.json: seed: expected integer ≥ 1 and ≤ 2147483647, got 0']],
  ['unknown top-level key', JSON.stringify({ ...base, matirx: {}, matrix: { depth: [1] } }), ['suites/x.json: matirx: unknown key "matirx" (did you mean "matrix"?)']],
  ['unknown axis', JSON.stringify({ ...base, matrix: { dpeth: [1] } }), ['suites/x.json: matrix.dpeth: unknown key "dpeth" (did you mean "depth"?)']],
  ['unknown initializer', JSON.stringify({ ...base, matrix: { init: ['he-normal', 'he-nromal'] } }), ['suites/x.json: matrix.init[1]: unknown initializer "he-nromal" (did you mean "he-normal"?)']],
  ['unknown initializer in an object', JSON.stringify({ ...base, defaults: { init: { name: 'xavier-nromal' } }, matrix: { depth: [1] } }), ['suites/x.json: defaults.init.name: unknown initializer "xavier-nromal" (did you mean "xavier-normal"?)']],
  ['unknown initializer option', JSON.stringify({ ...base, matrix: { init: [{ name: 'he-normal', gian: 2 }] } }), ['suites/x.json: matrix.init[0].gian: unknown key "gian" (did you mean "gain"?)']],
  ['option the initializer does not read', JSON.stringify({ ...base, matrix: { init: [{ name: 'he-normal', std: 2 }] } }), ['suites/x.json: matrix.init[0].std: expected no "std" for he-normal']],
  ['unknown activation', JSON.stringify({ ...base, matrix: { activation: ['rleu'] } }), ['suites/x.json: matrix.activation[0]: unknown activation "rleu" (did you mean "relu"?)']],
  ['unknown activation in an object', JSON.stringify({ ...base, matrix: { activation: [{ name: 'tahn' }] } }), ['suites/x.json: matrix.activation[0].name: unknown activation "tahn" (did you mean "tanh"?)']],
  ['alpha on relu', JSON.stringify({ ...base, matrix: { activation: [{ name: 'relu', alpha: 0.1 }] } }), ['suites/x.json: matrix.activation[0]: alpha applies only to leaky_relu and elu']],
  ['unknown arch', JSON.stringify({ ...base, matrix: { arch: ['resnet'] } }), ['suites/x.json: matrix.arch[0]: unknown architecture "resnet"']],
  ['even residual depth', JSON.stringify({ ...base, matrix: { arch: ['residual'], depth: [3, 4] } }), ['suites/x.json: matrix.depth[1]: residual needs an odd depth ≥ 3, got 4 (in matrix.arch[0] × matrix.depth[1])']],
  ['unknown data kind', JSON.stringify({ ...base, defaults: { data: { kind: 'cifar' } }, matrix: { depth: [1] } }), ['suites/x.json: defaults.data: expected null, {"kind": "synthetic", …} or {"kind": "cifar10", …}, got {"kind":"cifar"}']],
  ['train without data', JSON.stringify({ ...base, matrix: { train: [{ steps: 10 }] } }), ['suites/x.json: matrix.train[0]: training needs data']],
  ['cifar10 on a 16×16 input', JSON.stringify({ ...base, defaults: { input: { height: 16 } }, matrix: { data: [{ kind: 'cifar10' }] } }), ['suites/x.json: defaults.input: expected a 32×32×3 input for cifar10 data, got 16×32×3']],
  ['too many pools for the input', JSON.stringify({ ...base, defaults: { input: { height: 4, width: 4 }, downsample: { at: [1, 2, 3], mode: 'maxpool' } }, matrix: { depth: [3] } }), ['suites/x.json: matrix.depth[0]: pool3 needs ≥ 2×2 input, got 1×1']],
  ['exclude entry matching nothing (misspelt name)', JSON.stringify({ ...base, matrix: { init: ['he-normal', 'xavier-normal'] }, exclude: [{ init: 'he-normal' }, { init: 'xavier-nromal' }] }), ['suites/x.json: exclude[1]: expected an entry matching some matrix point, got {"init":"xavier-nromal"}, which matches none']],
  ['exclude drops everything', JSON.stringify({ ...base, matrix: { depth: [1] }, exclude: [{ depth: 1 }] }), ['suites/x.json: exclude: expected at least one run']],
];

describe('bad suite input', () => {
  for (const [name, text, pieces] of BAD) {
    it(`${name} → ${pieces[0]}`, () => {
      let err: unknown;
      try {
        planSuiteText(text, 'suites/x.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      for (const p of pieces) expect((err as Error).message).toContain(p);
      expect((err as InputError).exitCode).toBe(2);
    });
  }

  it('every problem gets its own line, all naming the file', () => {
    let msg = '';
    try {
      planSuiteText(JSON.stringify({ ...base, defaults: { widht: 3 }, matrix: { depth: ['a'], width: [0] } }), 'suites/x.json');
    } catch (e) {
      msg = (e as Error).message;
    }
    const lines = msg.split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l.startsWith('suites/x.json: ')).toBe(true);
  });

  it('a missing file names it and where the shipped suites are', () => {
    expect(() => loadSuite('suites/nope.json')).toThrow(/suites\/nope\.json: cannot read the suite file \(no such file\)/);
  });
});

describe('JSON syntax and encoding', () => {
  const good = JSON.stringify({ ...base, matrix: { depth: [1] } }, null, 2);
  const message = (text: string): string => {
    try {
      planSuiteText(text, 'suites/x.json');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    return 'no error';
  };
  // Node 20's JSON.parse names no position for these, so they used to be reported at the end of the file
  const SYNTAX: [string, string, string][] = [
    ['a bare NaN on line 3', '{\n  "name": "x",\n  "seed": NaN,\n  "description": "d"\n}', 'suites/x.json: line 3, column 11: not valid JSON: NaN is not a JSON number'],
    ['a single quote on line 3', '{\n  "name": "x",\n  \'seed\': 1\n}', "suites/x.json: line 3, column 3: not valid JSON: unexpected '; JSON strings and keys take double quotes"],
    ['a trailing comma', '{\n  "name": "x",\n}', 'suites/x.json: line 3, column 1: not valid JSON: a trailing comma before }'],
    ['a comment', '{\n  // my suite\n  "name": "x"\n}', 'suites/x.json: line 2, column 3: not valid JSON: unexpected /; JSON has no comments'],
    ['a missing comma', '{\n  "name": "x"\n  "seed": 1\n}', 'suites/x.json: line 3, column 3: not valid JSON: unexpected string; a missing , or : before it?'],
    ['a misspelt literal', '{"defaults": {"bias": ture}}', 'suites/x.json: line 1, column 23: not valid JSON: unexpected word "ture"'],
    ['a raw tab inside a string', '{"name": "a\tb"}', 'suites/x.json: line 1, column 12: not valid JSON: a raw control character U+0009'],
    ['an unclosed object', '{"name": "x",\n  "seed": 1\n', 'suites/x.json: line 3, column 1: not valid JSON: the text ends inside a value'],
    ['an empty file', '\n', 'suites/x.json: line 1, column 1: not valid JSON: the file is empty'],
    ['absurd nesting', `{"a": ${'['.repeat(5000)}`, 'suites/x.json: line 1, column 1006: not valid JSON: nested more than 1000 levels deep'],
  ];
  for (const [name, text, want] of SYNTAX) {
    it(`${name} → ${want}`, () => expect(message(text)).toContain(want));
  }

  it('a key given twice is an error naming both places and the object', () => {
    const text = '{\n  "name": "x", "description": "d", "seed": 1,\n  "matrix": {\n    "depth": [1],\n    "depth": [2]\n  }\n}';
    expect(message(text)).toBe(
      'suites/x.json: matrix.depth: key "depth" appears twice in one object, at line 4, column 5 and at line 5, column 5 (JSON keeps only the last; remove one)',
    );
  });

  it('a byte-order mark is accepted, and the file plans as without it', () => {
    expect(planSuiteText('\uFEFF' + good, 'suites/x.json').plan).toEqual(planSuiteText(good, 'suites/x.json').plan);
    // positions after a BOM count from the first visible character
    expect(message('\uFEFF{"name": NaN}')).toContain('line 1, column 10:');
  });

  it('a file with a BOM loads from disk (read as bytes)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-suite-'));
    const file = path.join(dir, 'bom.json');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]));
    expect(loadSuite(file).plan.runs).toHaveLength(1);
    fs.rmSync(dir, { recursive: true });
  });

  it('invalid UTF-8 is an error naming the byte offset and line of the first bad byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-suite-'));
    const file = path.join(dir, 'latin1.json');
    // "café" saved as Latin-1: é is the lone byte 0xE9
    const bytes = Buffer.concat([Buffer.from('{\n  "name": "caf'), Buffer.from([0xe9]), Buffer.from('"\n}')]);
    fs.writeFileSync(file, bytes);
    expect(() => loadSuite(file)).toThrow(`${file}: byte offset 16 (line 2): not valid UTF-8 (byte 0xe9); save the file as UTF-8`);
    fs.rmSync(dir, { recursive: true });
  });

  it('firstBadUtf8Byte agrees with a fatal TextDecoder on random bytes, and the text before it decodes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const valid = (b: Uint8Array) => {
      try {
        strict.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
    // bias toward bytes that start and continue multibyte sequences, where the rules are
    const pool = [0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let t = 0; t < 3000; t++) {
      const b = Uint8Array.from({ length: 1 + (next() % 8) }, () => pool[next() % pool.length]!);
      const at = firstBadUtf8Byte(b);
      expect(at >= 0, Buffer.from(b).toString('hex')).toBe(!valid(b));
      if (at >= 0) expect(valid(b.subarray(0, at)), Buffer.from(b).toString('hex')).toBe(true);
    }
  });
});

describe('initbench list', () => {
  it('lists every shipped suite by its name and description', async () => {
    const { shippedSuites } = await import('../src/cli/commands/list.ts');
    const list = shippedSuites();
    expect(list.map((s) => s.name).sort()).toEqual(shipped.map((f) => f.replace(/\.json$/, '')).sort());
    for (const s of list) expect(s.description.length).toBeGreaterThan(20);
  });
});
