/**
 * `initbench check --impl FILE`: the per-op case table against a user's own functions, compared with
 * the reference (the verdict) and with tfjs on the cpu backend (reported beside it). The first failure
 * is told in words, with a hint when a known mistake reproduces the user's numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CheckRow } from '../../core/types.ts';
import { InputError, nearest } from '../../core/errors.ts';
import type { Tensor } from '../../reference/index.ts';
import { DEFAULT_ELU_ALPHA, DEFAULT_LEAKY_ALPHA, BN_EPSILON } from '../../reference/index.ts';
import { readyBackend } from '../../backend/index.ts';
import { type OpCase, ALL_CASES, caseInputs, referenceOutputs, tfjsTolerance } from '../cases.ts';
import { type Comparison, compare, fmt, unravel } from '../compare.ts';
import { type Output, tfjsForward, tfjsGrads, tfjsGradUnsupported } from '../tfjs-ops.ts';
import { ACTIVATION_EXPORTS, DEFAULT_IMPL_TIMEOUT_MS, IMPL_FUNCTIONS, IMPL_FUNCTION_NAMES, type ImplFunctionName, type ImplOptions, type Layout } from './contract.ts';
import { type Role, fromUserLayout, fromUserValue, toUserArg, toUserLayout } from './convert.ts';
import { ImplHost, type Loaded } from './host.ts';
import { hintFor } from './hints.ts';

export interface ImplCheckOptions {
  file: string;
  /** overrides the module's own `options.layout` */
  layout?: Layout;
  /** per call; default 5000 ms */
  timeoutMs?: number;
}

export interface ImplCheckResult {
  file: string;
  options: ImplOptions;
  rows: CheckRow[];
  /** exports that were tested, and recognised names the module does not export */
  tested: ImplFunctionName[];
  skipped: ImplFunctionName[];
  /** the first failing case in words, with a hint when one applies; null when all passed */
  firstFailure: string | null;
}

/** The user-side functions of a case: forward and backward export names. */
function exportsOf(c: OpCase): [ImplFunctionName, ImplFunctionName] | null {
  switch (c.kind) {
    case 'conv2d': return ['conv2d', 'conv2dBackward'];
    case 'dense': return ['dense', 'denseBackward'];
    case 'activation': {
      const f = ACTIVATION_EXPORTS[c.op]!;
      return [f, `${f}Backward` as ImplFunctionName];
    }
    case 'pool': return c.op === 'max-pool' ? ['maxPool', 'maxPoolBackward'] : ['avgPool', 'avgPoolBackward'];
    case 'global-avg-pool': return ['globalAvgPool', 'globalAvgPoolBackward'];
    case 'batch-norm': return ['batchNorm', 'batchNormBackward'];
    case 'softmax-ce': return ['softmaxCrossEntropy', 'softmaxCrossEntropyBackward'];
    case 'add': return null;
  }
}

/** Axis convention of each named tensor of a case (what NCHW permutes). */
function roleOf(c: OpCase, name: string, shape: readonly number[]): Role {
  if (shape.length !== 4) return 'plain';
  return c.kind === 'conv2d' && (name === 'w' || name === 'grad.w') ? 'kernel' : 'image';
}

/** Arguments of the forward and backward call, in the user's layout and array style. */
function callArgs(c: OpCase, i: Record<string, Tensor>, o: ImplOptions): { forward: unknown[]; backward: unknown[] } {
  const arg = (name: string): unknown => toUserArg(toUserLayout(i[name]!, roleOf(c, name, i[name]!.shape), o.layout), o.arrays);
  switch (c.kind) {
    case 'conv2d': {
      const opts = { stride: c.stride, padding: c.padding, dilation: c.dilation };
      return { forward: [arg('x'), arg('w'), arg('b'), opts], backward: [arg('x'), arg('w'), arg('dy'), opts] };
    }
    case 'dense':
      return { forward: [arg('x'), arg('w'), arg('b')], backward: [arg('x'), arg('w'), arg('dy')] };
    case 'activation': {
      const alpha = c.op === 'leaky_relu' ? [c.alpha ?? DEFAULT_LEAKY_ALPHA] : c.op === 'elu' ? [c.alpha ?? DEFAULT_ELU_ALPHA] : [];
      return { forward: [arg('x'), ...alpha], backward: [arg('x'), arg('dy'), ...alpha] };
    }
    case 'pool': {
      const opts = { size: c.size, stride: c.stride, padding: c.padding };
      return { forward: [arg('x'), opts], backward: [arg('x'), arg('dy'), opts] };
    }
    case 'global-avg-pool':
      return { forward: [arg('x')], backward: [arg('x'), arg('dy')] };
    case 'batch-norm': {
      const opts = { epsilon: BN_EPSILON };
      return { forward: [arg('x'), arg('gamma'), arg('beta'), opts], backward: [arg('x'), arg('gamma'), arg('dy'), opts] };
    }
    case 'softmax-ce': {
      const labels = Array.from(i.labels!.data);
      return { forward: [arg('logits'), labels], backward: [arg('logits'), labels] };
    }
    case 'add':
      return { forward: [], backward: [] };
  }
}

/** Field of a backward function's returned object → output key. */
const GRAD_FIELDS: Record<string, string> = { dx: 'grad.x', dw: 'grad.w', db: 'grad.b', dgamma: 'grad.gamma', dbeta: 'grad.beta' };

/** The user's backward value split into output keys; a single tensor is dx (or dlogits). */
function backwardOutputs(c: OpCase, value: unknown): Record<string, unknown> {
  if (c.kind === 'conv2d' || c.kind === 'dense' || c.kind === 'batch-norm') {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return { __error: value };
    const out: Record<string, unknown> = {};
    for (const [field, key] of Object.entries(GRAD_FIELDS)) if (field in value) out[key] = (value as Record<string, unknown>)[field];
    return out;
  }
  return { [c.kind === 'softmax-ce' ? 'grad.logits' : 'grad.x']: value };
}

function badInput(file: string, what: string): InputError {
  return new InputError(`${file}: ${what}`, { file });
}

function signature(fn: ImplFunctionName): string {
  return `${fn}(${IMPL_FUNCTIONS[fn].join(', ')})`;
}

/** Validates what the module exports; throws InputError (exit 2) naming the file and the function. */
function validateExports(file: string, loaded: Loaded, layout?: Layout): { tested: ImplFunctionName[]; skipped: ImplFunctionName[]; options: ImplOptions } {
  const names = Object.keys(loaded.exports).filter((k) => k !== 'default' && k !== 'options');
  const tested: ImplFunctionName[] = [];
  for (const fn of IMPL_FUNCTION_NAMES) {
    const e = loaded.exports[fn];
    if (e === undefined) continue;
    if (e.type !== 'function') throw badInput(file, `export ${fn} is a ${e.type}; expected a function ${signature(fn)}`);
    const want = IMPL_FUNCTIONS[fn].length;
    if ((e.arity ?? 0) > want) {
      throw badInput(file, `${fn} takes ${e.arity} parameters; initbench calls ${signature(fn)} (see README "Bring your own implementation")`);
    }
    tested.push(fn);
  }
  if (tested.length === 0) {
    const typos = names.map((n) => [n, nearest(n, IMPL_FUNCTION_NAMES)] as const).filter(([, m]) => m !== undefined);
    const typoText = typos.length > 0 ? `; did you mean ${typos.map(([n, m]) => `${m} (not ${n})`).join(', ')}?` : '';
    throw badInput(file, `no recognised exports (found: ${names.length > 0 ? names.join(', ') : 'none'})${typoText}; export any of ${IMPL_FUNCTION_NAMES.join(', ')}`);
  }
  const raw = loaded.options;
  const options: ImplOptions = { layout: 'NHWC', arrays: 'nested' };
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null) throw badInput(file, `export options: expected { layout?, arrays? }, got ${JSON.stringify(raw)}`);
    const o = raw as Record<string, unknown>;
    if (o.layout !== undefined) {
      if (o.layout !== 'NHWC' && o.layout !== 'NCHW') throw badInput(file, `options.layout: expected "NHWC" or "NCHW", got ${JSON.stringify(o.layout)}`);
      options.layout = o.layout;
    }
    if (o.arrays !== undefined) {
      if (o.arrays !== 'nested' && o.arrays !== 'typed') throw badInput(file, `options.arrays: expected "nested" or "typed", got ${JSON.stringify(o.arrays)}`);
      options.arrays = o.arrays;
    }
  }
  if (layout !== undefined) options.layout = layout;
  const skipped = IMPL_FUNCTION_NAMES.filter((f) => !tested.includes(f));
  return { tested, skipped, options };
}

function axisNames(shape: readonly number[], role: Role, layout: Layout): string[] | null {
  if (shape.length !== 4) return shape.length === 2 ? ['n', 'j'] : null;
  if (role === 'kernel') return layout === 'NCHW' ? ['cout', 'cin', 'kh', 'kw'] : ['kh', 'kw', 'cin', 'cout'];
  return layout === 'NCHW' ? ['n', 'c', 'h', 'w'] : ['n', 'h', 'w', 'c'];
}

/** Runs the case table against the module. Throws InputError for a module that cannot be used at all. */
export async function runImplCheck(opts: ImplCheckOptions): Promise<ImplCheckResult> {
  const file = path.resolve(opts.file);
  if (!fs.existsSync(file)) throw badInput(opts.file, 'no such file');
  if (!/\.(ts|mts|cts|js|mjs|cjs)$/.test(file)) throw badInput(opts.file, 'expected a .ts or .js module');
  const host = new ImplHost(file, opts.timeoutMs ?? DEFAULT_IMPL_TIMEOUT_MS);
  try {
    const loaded = await host.load();
    if ('error' in loaded) throw badInput(opts.file, `cannot load the module: ${loaded.error.replace(/\s*\n\s*/g, ' ')}`);
    const { tested, skipped, options } = validateExports(opts.file, loaded, opts.layout);
    await readyBackend('cpu');
    const rows: CheckRow[] = [];
    let firstFailure: string | null = null;

    for (const c of ALL_CASES) {
      const fns = exportsOf(c);
      if (fns === null) continue;
      const [fwdName, bwdName] = fns;
      if (!tested.includes(fwdName) && !tested.includes(bwdName)) continue;
      const inputs = caseInputs(c);
      const expected = referenceOutputs(c, inputs);
      const tol = tfjsTolerance(c);
      const args = callArgs(c, inputs, options);
      // tfjs on cpu, for the side-by-side numbers
      const tfjsOut: Record<string, Output> = {};
      try {
        tfjsOut.forward = tfjsForward(c, inputs);
        if (tfjsGradUnsupported(c) === null) Object.assign(tfjsOut, tfjsGrads(c, inputs));
      } catch {
        // tfjs numbers are informative only
      }

      for (const [fn, isForward] of [[fwdName, true], [bwdName, false]] as const) {
        if (!tested.includes(fn)) continue;
        const keys = Object.keys(expected).filter((k) => (k === 'forward') === isForward);
        const label = (k: string) => `${c.op}.${k}`;
        const res = await host.call(fn, isForward ? args.forward : args.backward);
        if (!res.ok) {
          for (const k of keys) rows.push(implRow(label(k), c.name, 'error', null, tol, `${fn} ${res.error}`));
          firstFailure ??= `${fn} on case ${c.op} ${c.name}: ${res.error}`;
          continue;
        }
        const outs: Record<string, unknown> = isForward ? { forward: res.value } : backwardOutputs(c, res.value);
        if ('__error' in outs) {
          const msg = `${fn} returned ${Array.isArray(outs.__error) ? 'an array' : typeof outs.__error}; expected an object { ${keys.map((k) => Object.entries(GRAD_FIELDS).find(([, v]) => v === k)?.[0]).join(', ')} }`;
          for (const k of keys) rows.push(implRow(label(k), c.name, 'error', null, tol, msg));
          firstFailure ??= `${fn} on case ${c.op} ${c.name}: ${msg}`;
          continue;
        }
        for (const k of keys) {
          const r = expected[k]!;
          if (!(k in outs)) {
            rows.push(implRow(label(k), c.name, 'skip', null, tol, `${fn} returned no ${Object.entries(GRAD_FIELDS).find(([, v]) => v === k)?.[0] ?? k}`));
            continue;
          }
          const role = roleOf(c, k === 'forward' || k === 'grad.x' ? 'x' : k, r.shape);
          const rUser = toUserLayout(r, role, options.layout);
          const parsed = fromUserValue(outs[k], rUser.shape);
          if ('error' in parsed) {
            const msg = `${fn} returned the wrong shape for ${k === 'forward' ? 'its output' : k.replace('grad.', 'd')}: ${parsed.error}`;
            rows.push(implRow(label(k), c.name, 'error', null, tol, msg));
            firstFailure ??= `${fn} on case ${c.op} ${c.name}: ${msg}`;
            continue;
          }
          const nanAt = parsed.data.findIndex((v) => !Number.isFinite(v));
          if (nanAt >= 0) {
            const msg = `${fn} returned ${parsed.data[nanAt]} at [${unravel(nanAt, rUser.shape).join(',')}]`;
            rows.push(implRow(label(k), c.name, 'error', null, tol, msg));
            firstFailure ??= `${fn} on case ${c.op} ${c.name}: ${msg}`;
            continue;
          }
          const cmp = compare(parsed.data, rUser.data, rUser.shape, tol);
          const t = tfjsOut[k];
          const tUser = t !== undefined ? toUserLayout({ shape: t.shape, data: Float64Array.from(t.data) }, role, options.layout) : null;
          const vsTfjs = tUser !== null && tUser.data.length === parsed.data.length ? compare(parsed.data, tUser.data, rUser.shape, tol) : null;
          const tfjsNote = vsTfjs !== null ? `vs tfjs cpu: max abs ${fmt(vsTfjs.maxAbs)}` : 'tfjs: no reference value';
          if (cmp.ok) {
            rows.push(implRow(label(k), c.name, 'pass', cmp, tol, tfjsNote));
            continue;
          }
          const got = fromUserLayout({ shape: rUser.shape, data: parsed.data }, role, options.layout);
          const hint = hintFor(c, inputs, k, got, tol);
          const m = cmp.first[0]!;
          const axes = axisNames(rUser.shape, role, options.layout);
          const where = axes !== null ? ` (${axes.map((a, j) => `${a}=${m.at[j]}`).join(', ')})` : '';
          const tfjsAt = tUser !== null ? `; tfjs ${fmt(tUser.data[m.index]!)}` : '';
          const words =
            `${fn} ${k === 'forward' ? 'output' : k.replace('grad.', 'd')} is wrong on case ${c.op} ${c.name}: ` +
            `${rUser.shape.length > 0 ? `at index [${m.at.join(',')}]${where} ` : ''}expected ${fmt(m.expected)} (reference${tfjsAt}), got ${fmt(m.got)}; ` +
            `${cmp.mismatches} of ${rUser.data.length} values differ` +
            (hint !== null ? `.\n  hint: ${hint}` : '.');
          firstFailure ??= words;
          rows.push(implRow(label(k), c.name, 'fail', cmp, tol, `${words.replace('\n  hint:', ' — hint:')} (${tfjsNote})`));
        }
      }
    }
    return { file: opts.file, options, rows, tested, skipped, firstFailure };
  } finally {
    host.close();
  }
}

function implRow(op: string, caseName: string, verdict: CheckRow['verdict'], cmp: Comparison | null, tol: { atol: number; rtol: number }, detail: string | null): CheckRow {
  return {
    op,
    case: caseName,
    backend: 'impl',
    maxAbs: cmp?.maxAbs ?? null,
    maxRel: cmp?.maxRel ?? null,
    atol: tol.atol,
    rtol: tol.rtol,
    mismatches: cmp?.mismatches ?? 0,
    verdict,
    detail,
  };
}
