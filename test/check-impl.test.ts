// `check --impl`: a user's own module run against the case table, with hints named for known mistakes.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { runImplCheck } from '../src/check/impl/run.ts';
import { CONV_CASES, DENSE_CASES } from '../src/check/cases.ts';
import { permute, fromUserValue, toNested } from '../src/check/impl/convert.ts';

const fx = (name: string) => path.join('test', 'fixtures', 'impl', name);
const run = (file: string, timeoutMs = 3000) => runImplCheck({ file, timeoutMs });

describe('--impl on correct modules passes', () => {
  it('examples/my-conv.ts (nested arrays, NHWC): every case of its six functions', async () => {
    const r = await run('examples/my-conv.ts');
    expect(r.tested).toEqual(['conv2d', 'conv2dBackward', 'dense', 'denseBackward', 'relu', 'reluBackward']);
    expect(r.skipped).toContain('maxPool');
    expect(r.rows.length).toBe(CONV_CASES.length * 4 + DENSE_CASES.length * 4 + 2);
    for (const row of r.rows) expect(row.verdict, `${row.op} ${row.case}: ${row.detail}`).toBe('pass');
    expect(r.firstFailure).toBeNull();
    // pass rows say how far the user is from tfjs too
    expect(r.rows[0]!.detail).toMatch(/^vs tfjs cpu: max abs /);
  });
  it('a textbook flipped-kernel backward (correct-gather.ts)', async () => {
    const r = await run(fx('correct-gather.ts'));
    for (const row of r.rows) expect(row.verdict, `${row.op} ${row.case}: ${row.detail}`).toBe('pass');
  });
  it('an NCHW module on typed arrays (nchw-typed.ts)', async () => {
    const r = await run(fx('nchw-typed.ts'));
    expect(r.options).toEqual({ layout: 'NCHW', arrays: 'typed' });
    expect(r.rows.length).toBe(CONV_CASES.length);
    for (const row of r.rows) expect(row.verdict, `${row.case}: ${row.detail}`).toBe('pass');
  });
});

describe('--impl on broken modules fails with the right hint', () => {
  it('padding off by one (extra same-pad at the top/left): pad-off-by-one.ts', async () => {
    const r = await run(fx('pad-off-by-one.ts'));
    expect(r.firstFailure).toContain('conv2d output is wrong on case conv2d x=[1,8,8,3] w=[3,3,3,4] s=2 p=same');
    expect(r.firstFailure).toMatch(/at index \[0,0,0,0\] \(n=0, h=0, w=0, c=0\) expected -1\.24749 \(reference; tfjs -1\.2474\d\), got 0\.0633096/);
    expect(r.firstFailure).toContain('hint: padding off by one');
    expect(r.firstFailure).toContain('at the bottom/right');
    // odd-total-pad cases fail, valid and even-total ones pass
    expect(r.rows.find((x) => x.op === 'conv2d.forward' && x.case === 'x=[1,5,5,1] w=[3,3,1,1] s=1 p=valid')!.verdict).toBe('pass');
    expect(r.rows.find((x) => x.op === 'conv2d.forward' && x.case === 'x=[2,7,7,2] w=[2,2,2,3] s=1 p=same')!.verdict).toBe('fail');
  });
  it('kernel not flipped in dx: kernel-not-flipped.ts', async () => {
    const r = await run(fx('kernel-not-flipped.ts'));
    expect(r.tested).toEqual(['conv2dBackward']);
    expect(r.skipped).toContain('conv2d');
    expect(r.firstFailure).toContain('conv2dBackward dx is wrong on case conv2d x=[1,5,5,1] w=[3,3,1,1] s=1 p=valid');
    expect(r.firstFailure).toContain('hint: kernel not flipped');
    // dw and db do not involve the flip
    for (const x of r.rows.filter((x) => x.op !== 'conv2d.grad.x')) expect(x.verdict).toBe('pass');
  });
  it('wrong stride offset: stride-offset.ts', async () => {
    const r = await run(fx('stride-offset.ts'));
    expect(r.firstFailure).toContain('conv2d output is wrong on case conv2d x=[1,8,8,3] w=[3,3,3,4] s=2 p=same');
    expect(r.firstFailure).toContain('hint: wrong stride offset');
    // stride-1 cases are unaffected
    for (const x of r.rows.filter((x) => / s=1 /.test(x.case))) expect(x.verdict).toBe('pass');
    const s3 = r.rows.find((x) => x.case === 'x=[1,9,9,2] w=[4,4,2,2] s=3 p=same')!;
    expect(s3.detail).toContain('yours start 2 later');
  });
});

describe('--impl hints in NCHW', () => {
  it('a true convolution (kernel flipped) in an NCHW typed-array module: nchw-flipped.ts', async () => {
    const r = await run(fx('nchw-flipped.ts'));
    expect(r.firstFailure).toMatch(/^conv2d output is wrong on case conv2d x=\[1,5,5,1\] w=\[3,3,1,1\] s=1 p=valid: at index \[0,0,0,0\] \(n=0, c=0, h=0, w=0\)/);
    expect(r.firstFailure).toContain('hint: kernel flipped: you compute a true convolution');
    // 1×1 kernels cannot tell a flip
    expect(r.rows.find((x) => x.case === 'x=[1,6,6,4] w=[1,1,4,2] s=2 p=same')!.verdict).toBe('pass');
  });
});

describe('--impl hints beyond conv (common-mistakes.ts, typed arrays)', () => {
  it('gelu tanh approximation, tanh\' at the output, unbiased batch-norm variance, summed loss', async () => {
    const r = await run(fx('common-mistakes.ts'));
    const hintOf = (op: string) => r.rows.find((x) => x.op === op && x.verdict === 'fail')?.detail ?? '';
    expect(hintOf('gelu.forward')).toContain('hint: gelu: you use the tanh approximation');
    expect(hintOf('tanh.grad.x')).toContain("hint: tanh's derivative evaluated at the output f(x)");
    expect(hintOf('batch-norm.forward')).toContain('hint: batch-norm uses the biased batch variance');
    expect(hintOf('softmax-ce.forward')).toMatch(/^softmaxCrossEntropy output is wrong on case softmax-ce logits=\[6,10\]: expected 3\.12298 .*hint: the loss is the mean over the batch; yours is the sum/);
    // a 1-example batch cannot tell a sum from a mean
    expect(r.rows.find((x) => x.op === 'softmax-ce.forward' && x.case === 'logits=[1,3]')!.verdict).toBe('pass');
  });
});

describe('--impl: a misbehaving function is a verdict for its case, then the next case', () => {
  it('hang → timeout, throw, NaN, wrong shape (misbehaving.ts)', async () => {
    const r = await run(fx('misbehaving.ts'), 1500);
    const by = (op: string) => r.rows.find((x) => x.op === op)!;
    expect(by('relu.forward')).toMatchObject({ verdict: 'error', detail: 'relu took longer than 1500 ms (timeout)' });
    expect(by('relu.grad.x')).toMatchObject({ verdict: 'error', detail: 'reluBackward threw Error: not written yet' });
    expect(by('tanh.forward')).toMatchObject({ verdict: 'error', detail: 'tanh returned NaN at [0,0,0,0]' });
    expect(by('sigmoid.forward').detail).toBe('sigmoid returned the wrong shape for its output: expected shape [2,4,4,3], got [2,4,4]');
    expect(r.firstFailure).toBe('relu on case relu x=[2,4,4,3]: took longer than 1500 ms (timeout)');
  });
});

describe('--impl bad input: InputError (exit 2) naming the file and the function', () => {
  const expectInputError = async (file: string, pattern: RegExp) => {
    const e = await run(file).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(pattern);
  };
  it('missing module', () => expectInputError(fx('nope.ts'), /nope\.ts: no such file$/));
  it('syntax error', () => expectInputError(fx('syntax-error.js'), /syntax-error\.js: cannot load the module: .*(Transform failed|SyntaxError|Expected)/));
  it('syntax error in a .ts module (written at test time: a broken .ts file would break tsc)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-impl-'));
    const file = path.join(dir, 'broken.ts');
    fs.writeFileSync(file, 'export function relu(x: number[]: number[] {\n  return x;\n}\n');
    await expectInputError(file, /broken\.ts: cannot load the module: .*/);
  });
  it('no recognised exports, with a typo suggestion', () =>
    expectInputError(fx('no-exports.ts'), /no-exports\.ts: no recognised exports \(found: conv2D, convolve\); did you mean conv2d \(not conv2D\).*export any of conv2d, conv2dBackward/));
  it('an export that is not a function', () => expectInputError(fx('not-a-function.ts'), /not-a-function\.ts: export conv2d is a number; expected a function conv2d\(x, w, b, opts\)/));
  it('a function with the wrong signature', () => expectInputError(fx('wrong-signature.ts'), /wrong-signature\.ts: dense takes 5 parameters; initbench calls dense\(x, w, b\)/));
  it('malformed options', () => expectInputError(fx('bad-options.ts'), /bad-options\.ts: options\.layout: expected "NHWC" or "NCHW", got "NWHC"/));
  it('a module that calls process.exit while loading: said at once with its exit code, not a 20 s load timeout', async () => {
    const t0 = performance.now();
    await expectInputError(fx('exits-on-load.ts'), /exits-on-load\.ts: cannot load the module: it exited with code 3 while loading \(process\.exit\?\)/);
    expect(performance.now() - t0).toBeLessThan(19_000);
  });
});

describe('conversions', () => {
  it('NHWC → NCHW permutation of x=[1,2,2,3]', () => {
    const t = { shape: [1, 2, 2, 3], data: Float64Array.from({ length: 12 }, (_, i) => i) };
    const p = permute(t, [0, 3, 1, 2]);
    expect(p.shape).toEqual([1, 3, 2, 2]);
    expect(Array.from(p.data)).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  });
  it('user values: nested, flat, typed, {data, shape}, ragged', () => {
    expect(toNested([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(fromUserValue([[1, 2, 3], [4, 5, 6]], [2, 3])).toEqual({ data: Float64Array.of(1, 2, 3, 4, 5, 6) });
    expect(fromUserValue(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])).toEqual({ data: Float64Array.of(1, 2, 3, 4, 5, 6) });
    expect(fromUserValue({ data: [1, 2], shape: [2] }, [2])).toEqual({ data: Float64Array.of(1, 2) });
    expect(fromUserValue([[1, 2], [3]], [2, 2])).toEqual({ error: 'expected shape [2,2], got a ragged nested array' });
  });
});

describe('initbench check CLI', () => {
  const exec = promisify(execFile);
  const cli = (...args: string[]) =>
    exec('node', ['bin/initbench.js', 'check', ...args], { timeout: 90_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  it('--impl examples/my-conv.ts exits 0; a broken module exits 1 naming its first failure; a missing one exits 2', async () => {
    const [ok, bad, missing] = await Promise.all([
      cli('--impl', 'examples/my-conv.ts'),
      cli('--impl', fx('stride-offset.ts')),
      cli('--impl', fx('missing.ts')),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('skipped (not exported): linear, linearBackward');
    expect(ok.stdout).toMatch(new RegExp(`${CONV_CASES.length * 4 + DENSE_CASES.length * 4 + 2} passed, 0 failed, 0 skipped`));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('first failure: conv2d output is wrong on case conv2d x=[1,8,8,3] w=[3,3,3,4] s=2 p=same');
    expect(bad.stdout).toContain('hint: wrong stride offset');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.ts: no such file');
  });
  it('--impl with a module that calls process.exit while loading exits 2 naming the file and its exit code', async () => {
    const r = await cli('--impl', fx('exits-on-load.ts'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `initbench: ${fx('exits-on-load.ts')}: cannot load the module: it exited with code 3 while loading (process.exit?); a module for --impl must only define and export its functions`,
    );
  });
});
