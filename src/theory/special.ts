/**
 * Special functions written from their textbook definitions (no dependencies): erf, the normal
 * distribution, the regularized lower incomplete gamma and chi-square quantiles.
 * Accuracy targets are ~1e-12 relative where it matters (quantiles for confidence intervals).
 */

/** erf(x) by its Maclaurin series for |x| < 2.5, else 1 − erfc(x) from a continued fraction. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 2.5) {
    // erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); terms shrink fast for x < 2.5.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return 1 - erfc(x);
}

/** erfc(x) for x ≥ 2.5 by the Laplace continued fraction (Lentz), else 1 − erf(x). */
export function erfc(x: number): number {
  if (x < 2.5) return 1 - erf(x);
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Φ(x), accurate in both tails. */
export function normCdf(x: number): number {
  return x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 1 - 0.5 * erfc(x / Math.SQRT2);
}

/** Φ⁻¹(p) by bisection-safeguarded Newton on normCdf. */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normQuantile: p must be in (0,1), got ${p}`);
  let lo = -40;
  let hi = 40;
  let x = 0;
  for (let i = 0; i < 200; i++) {
    const f = normCdf(x) - p;
    if (f > 0) hi = x;
    else lo = x;
    const step = f / normPdf(x);
    let next = x - step;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) < 1e-15 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

/** ln Γ(x), x > 0, Lanczos (g = 7, n = 9) with the reflection-free form. */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized lower incomplete gamma P(a, x): series for x < a+1, continued fraction otherwise. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnPre = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    return sum * Math.exp(lnPre);
  }
  // Q(a,x) by the Legendre continued fraction (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return 1 - Math.exp(lnPre) * h;
}

/** CDF of the chi-square distribution with k degrees of freedom. */
export function chi2Cdf(x: number, k: number): number {
  return gammaP(k / 2, x / 2);
}

/**
 * Quantile of chi-square(k): Wilson–Hilferty start, then safeguarded Newton on chi2Cdf
 * (the density is evaluated in log space, so k in the millions is fine).
 */
export function chi2Quantile(p: number, k: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`chi2Quantile: p must be in (0,1), got ${p}`);
  const z = normQuantile(p);
  const h = 2 / (9 * k);
  let x = Math.max(1e-12, k * Math.pow(1 - h + z * Math.sqrt(h), 3));
  let lo = 0;
  let hi = Infinity;
  for (let i = 0; i < 200; i++) {
    const f = chi2Cdf(x, k) - p;
    if (f > 0) hi = x;
    else lo = x;
    const lnDens = (k / 2 - 1) * Math.log(x) - x / 2 - (k / 2) * Math.LN2 - lnGamma(k / 2);
    let next = x - f / Math.exp(lnDens);
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = Number.isFinite(hi) ? 0.5 * (lo + hi) : 2 * x;
    if (Math.abs(next - x) < 1e-13 * x) return next;
    x = next;
  }
  return x;
}
