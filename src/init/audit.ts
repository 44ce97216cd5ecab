/**
 * The statistical check behind `initbench init-stats`: draw an initializer K times for a shape, pool
 * the entries, and compare the sample variance with the nominal one through a confidence interval.
 *
 * Confidence intervals (level CI_LEVEL):
 * - normal draws: exact chi-square interval, (N−1)s²/χ²_{N−1}(1−α/2) … (N−1)s²/χ²_{N−1}(α/2);
 * - anything else (uniform, truncated, orthogonal): asymptotic normal interval s² ± z·√Var̂(s²) with
 *   Var̂(s²) = (m₄ − s⁴(N−3)/(N−1))/N from the sample 4th central moment m₄ — for orthogonal kinds,
 *   whose Σw² is fixed per draw, this is conservative;
 * - constants: the variance is exactly 0, interval [0, 0].
 * Verdict 'deviates' when the nominal variance is outside the interval, the mean is more than z
 * standard errors from the nominal mean, a draw falls outside the support, or an orthogonal kind's
 * ‖WᵀW − g²I‖_F/‖g²I‖_F exceeds 1e-4 (float32 storage gives ~1e-7).
 */
import type { ActivationSpec, InitAuditRow, InitSpec } from '../core/types.ts';
import { InputError, inputError } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import { chi2Quantile, normQuantile } from '../theory/index.ts';
import { INITIALIZER_NAMES, drawnDistribution, nominalMoments, orthogonalGain } from './registry.ts';
import { normalizeInitSpec } from './spec.ts';
import { createInitializer } from './tfjs.ts';
import { orthogonalityError } from './draw.ts';
import { AUDIT_SHAPE, sizeOf } from './fans.ts';

const CI_LEVEL = 0.999;
/** Entries pooled per initializer by default (K = ⌈this / size⌉ draws). */
const DEFAULT_SAMPLE_ENTRIES = 200_000;
const ORTHO_TOL = 1e-4;

/** Entries in one draw at most: 10⁷ float32 is 40 MB, held by tfjs and again as our copy. */
export const MAX_AUDIT_ENTRIES = 10_000_000;
/** Entries pooled over the K draws at most (all are kept for the 4th moment): 10⁸ float32 is 400 MB. */
export const MAX_AUDIT_POOLED = 100_000_000;

/**
 * Throws an InputError naming --shape (or --samples) when one draw, or K draws pooled, would pass the
 * bounds above: `--shape 100000,100000` is 10¹⁰ entries, which would run out of memory or take hours.
 */
export function assertAuditSize(shape: readonly number[], samples?: number): void {
  const size = sizeOf([...shape]);
  if (size > MAX_AUDIT_ENTRIES) {
    throw inputError({ flag: 'shape', expected: `at most ${MAX_AUDIT_ENTRIES} entries per draw (40 MB of float32)`, got: shape.join(','), hint: `${shape.join('×')} = ${size} entries` });
  }
  if (samples !== undefined && samples * size > MAX_AUDIT_POOLED) {
    throw inputError({
      flag: 'samples',
      expected: `at most ${Math.floor(MAX_AUDIT_POOLED / size)} draws of ${shape.join('×')} (${MAX_AUDIT_POOLED} entries pooled)`,
      got: samples,
    });
  }
}

/**
 * QR work (K·m·n² for K draws of an m×n matrix, m ≥ n) the orthogonal kinds may take. Ours (float64
 * Householder, then as much again for the orthogonality check) does ~10⁸ a second, tfjs:orthogonal's
 * tf-op QR ~10⁶: each budget is some seconds. Past it the initializer is skipped (--all) or refused (--init).
 */
const MAX_QR_WORK = 3e8;
const MAX_TFJS_QR_WORK = 1e7;

function assertQrWork(spec: InitSpec, shape: number[], K: number): void {
  // the matrix orthogonalityOf checks: delta-orthogonal's centre tap, else the flattened [fan-in, cout]
  const cols = shape[shape.length - 1]!;
  const rows = spec.name === 'delta-orthogonal' && shape.length > 2 ? shape[shape.length - 2]! : sizeOf(shape) / cols;
  const work = K * Math.max(rows, cols) * Math.min(rows, cols) ** 2;
  const max = spec.name === 'tfjs:orthogonal' ? MAX_TFJS_QR_WORK : MAX_QR_WORK;
  if (work > max) {
    throw new InputError(
      `${K} draw${K === 1 ? '' : 's'} of a ${rows}×${cols} orthogonal matrix take QR work K·m·n² = ${work.toExponential(1)}, more than the ${max.toExponential(0)} (some seconds) audited here; use a smaller --shape or --samples`,
    );
  }
}

interface AuditOptions {
  /** independent draws of the whole shape; default ⌈200 000 / size⌉ (1 for tfjs:orthogonal, whose tf-op QR is slow) */
  samples?: number;
  activation?: ActivationSpec;
  /** base seed; draw k uses deriveSeed(seed, name, k) */
  seed?: number;
}

function defaultSamples(spec: InitSpec, shape: number[]): number {
  if (spec.name === 'tfjs:orthogonal') return 1;
  return Math.max(1, Math.ceil(DEFAULT_SAMPLE_ENTRIES / sizeOf(shape)));
}

interface SampleStats {
  n: number;
  mean: number;
  /** unbiased sample variance */
  variance: number;
  /** 4th central moment (biased, /N) */
  m4: number;
  min: number;
  max: number;
}

/** Two-pass moments in float64. */
export function sampleStats(chunks: ArrayLike<number>[]): SampleStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const c of chunks)
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      sum += x;
      n++;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  const mean = sum / n;
  let s2 = 0;
  let s4 = 0;
  for (const c of chunks)
    for (let i = 0; i < c.length; i++) {
      const d = c[i]! - mean;
      const d2 = d * d;
      s2 += d2;
      s4 += d2 * d2;
    }
  return { n, mean, variance: n > 1 ? s2 / (n - 1) : 0, m4: s4 / n, min, max };
}

/** Confidence interval for the variance of `stats` under the method `kind` calls for. */
export function varianceCi(stats: SampleStats, kind: 'normal' | 'constant' | 'other', level = CI_LEVEL): { ci: [number, number]; method: string } {
  const pct = `${(level * 100).toFixed(1)}%`;
  const { n, variance: s2, m4 } = stats;
  if (kind === 'constant') return { ci: [0, 0], method: 'exact: a constant has variance 0' };
  const alpha = 1 - level;
  if (kind === 'normal') {
    const df = n - 1;
    return {
      ci: [(df * s2) / chi2Quantile(1 - alpha / 2, df), (df * s2) / chi2Quantile(alpha / 2, df)],
      method: `chi-square, ${pct}, N−1 = ${df} d.f. (normal draws)`,
    };
  }
  const z = normQuantile(1 - alpha / 2);
  const varS2 = Math.max(0, (m4 - (s2 * s2 * (n - 3)) / (n - 1)) / n);
  const half = z * Math.sqrt(varS2);
  return {
    ci: [Math.max(0, s2 - half), s2 + half],
    method: `asymptotic normal, ${pct}: s² ± z·√((m₄ − s⁴(N−3)/(N−1))/N), 4th moment from the sample (non-normal draws)`,
  };
}

/** Draw `spec` K times for `shape` and audit the pooled entries. Needs a ready tfjs backend. */
export function auditInitializer(spec: InitSpec, shape: number[], opts: AuditOptions = {}): InitAuditRow {
  const activation = opts.activation ?? { name: 'relu' };
  const K = opts.samples ?? defaultSamples(spec, shape);
  const base = opts.seed ?? 1;
  const nominal = nominalMoments(spec, shape, activation);
  const og = orthogonalGain(spec, activation);
  if (og !== null) assertQrWork(spec, shape, K);
  const chunks: Float32Array[] = [];
  let orthErr: number | null = null;
  for (let k = 0; k < K; k++) {
    const layer = {
      index: 1,
      name: 'audit',
      kind: shape.length === 2 ? ('dense' as const) : ('conv' as const),
      shape,
      role: 'plain' as const,
      residualBlocks: 1,
      seed: deriveSeed(base, spec.name, k),
    };
    const init = createInitializer(spec, layer, activation);
    const t = init.apply(shape, 'float32');
    const data = t.dataSync() as Float32Array;
    t.dispose();
    chunks.push(data);
    if (og !== null) {
      const e = orthogonalityOf(spec, data, shape, og);
      orthErr = Math.max(orthErr ?? 0, e);
    }
  }
  const stats = sampleStats(chunks);
  const kind = drawnDistribution(spec);
  const { ci, method } = varianceCi(stats, kind);
  const z = normQuantile(1 - (1 - CI_LEVEL) / 2);
  const ratio = nominal.variance === 0 ? (stats.variance === 0 ? 1 : Infinity) : stats.variance / nominal.variance;
  const meanTol = kind === 'constant' ? 1e-6 * Math.max(1, Math.abs(nominal.mean)) : z * Math.sqrt(Math.max(stats.variance, 1e-300) / stats.n);
  const eps = (a: number): number => 1e-6 * Math.max(Math.abs(a), 1e-12);
  const inSupport =
    nominal.support === null || (stats.min >= nominal.support[0] - eps(nominal.support[0]) && stats.max <= nominal.support[1] + eps(nominal.support[1]));
  const varianceOk = kind === 'constant' ? stats.variance === 0 : nominal.variance >= ci[0] && nominal.variance <= ci[1];
  const ok = varianceOk && Math.abs(stats.mean - nominal.mean) <= meanTol && inSupport && (orthErr === null || orthErr <= ORTHO_TOL);
  return {
    init: spec.name,
    shape: [...shape],
    samples: K,
    nominalVariance: nominal.variance,
    measuredVariance: stats.variance,
    ci,
    ciMethod: method,
    ratio,
    mean: stats.mean,
    min: stats.min,
    max: stats.max,
    support: nominal.support,
    orthogonalityError: orthErr,
    verdict: ok ? 'ok' : 'deviates',
  };
}

/** Delta-orthogonal: the centre tap's rows; other orthogonal kinds: the flattened [fan-in, cout] matrix. */
function orthogonalityOf(spec: InitSpec, data: Float32Array, shape: number[], gain: number): number {
  const cols = shape[shape.length - 1]!;
  const rows = sizeOf(shape) / cols;
  if (spec.name === 'delta-orthogonal' && shape.length > 2) {
    const cin = shape[shape.length - 2]!;
    const taps = rows / cin;
    const centre = (taps - 1) / 2;
    let offCentre = 0;
    for (let i = 0; i < data.length; i++) if (Math.floor(i / (cin * cols)) !== centre) offCentre += data[i]! * data[i]!;
    const H = data.subarray(centre * cin * cols, (centre + 1) * cin * cols);
    return orthogonalityError(H, cin, cols, gain) + Math.sqrt(offCentre);
  }
  return orthogonalityError(data, rows, cols, gain);
}

/** An initializer that cannot draw the audited shape, and why. */
interface SkippedAudit {
  init: string;
  reason: string;
}

/**
 * Audits each spec on `shape`; one whose shape check fails (an InputError) is skipped with its reason
 * instead of stopping the rest. Needs a ready tfjs backend.
 */
export function auditInitializers(specs: readonly InitSpec[], shape: readonly number[], opts: AuditOptions = {}): { rows: InitAuditRow[]; skipped: SkippedAudit[] } {
  assertAuditSize(shape, opts.samples);
  const rows: InitAuditRow[] = [];
  const skipped: SkippedAudit[] = [];
  for (const spec of specs) {
    try {
      rows.push(quietTfjsWarnings(() => auditInitializer(spec, [...shape], opts)));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      skipped.push({ init: spec.name, reason: e.message });
    }
  }
  return { rows, skipped };
}

/** Every initializer, ours and tfjs's, with its defaults: the rows the report's audit table shows. */
export function auditAll(shape: readonly number[] = AUDIT_SHAPE, opts: AuditOptions = {}): { rows: InitAuditRow[]; skipped: SkippedAudit[] } {
  return auditInitializers(
    INITIALIZER_NAMES.map((n) => normalizeInitSpec(n, { flags: true })),
    shape,
    opts,
  );
}

/** Keeps tfjs's "Orthogonal initializer is being called on a matrix with more than 2000 elements" off the output. */
export function quietTfjsWarnings<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called')) return;
    warn(...args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}
