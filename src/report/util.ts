/** Small pure helpers of the report: HTML escaping, number formatting, order statistics. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON safe to place inside a <script> block: `<`, `>`, `&` and the JS line separators become
 * \u escapes, so no string in the data can close the script element or open a comment.
 */
export function jsonForScript(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  return JSON.stringify(value, replacer).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Short human number: 0.48, 12, 1.9e-10; '–' for null/NaN. */
export function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return x === Infinity ? '∞' : '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(digits)));
  const [m, e] = x.toExponential(Math.max(0, digits - 1)).split('e');
  return `${Number(m)}e${Number(e)}`;
}

/** A ratio with two decimals where that reads well (0.48, 1.00), else fmt's short form (1.9e-10). */
export function fmtRatio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return fmt(x);
  const a = Math.abs(x);
  return a >= 0.01 && a < 100 ? x.toFixed(2) : fmt(x);
}

export function median(xs: readonly number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function minMax(xs: readonly number[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Groups by a string key, keeping first-seen order. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g === undefined) m.set(k, [x]);
    else g.push(x);
  }
  return m;
}

/** Numbers where finite and present, for order statistics over seeds. */
export function finite(xs: readonly (number | null | undefined)[]): number[] {
  return xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

/** JSON replacer: non-integers to 4 significant digits (chart data; keeps the page small). */
export function round4(_key: string, v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
}

/** Distinct labels in natural order (numbers inside labels compare numerically). */
export function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The two-sided 97.5% standard normal quantile, for 95% intervals. */
export const Z95 = 1.959963984540054;

/**
 * Wilson's score interval for a binomial share k/n (Wilson 1927): the p with |k − np| ≤ z·√(np(1−p)).
 * Unlike k/n ± z·√(p̂(1−p̂)/n), it stays inside [0, 1] and is not empty at k = 0 or k = n. Null for n = 0.
 */
export function wilsonInterval(k: number, n: number, z = Z95): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  // at k = 0 and k = n one end is exactly 0 or 1; rounding must not move it
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}
