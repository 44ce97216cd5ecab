/**
 * Eigenvalues of a real symmetric matrix in float64, by hand (the Jacobian probe's exact spectrum):
 * Householder reduction to tridiagonal form, then the QL algorithm with implicit Wilkinson shifts
 * (Numerical Recipes' tred2 and tqli, eigenvalues only). O(n³): about 4n³/3 flops for the reduction and
 * O(n²) for the QL sweeps.
 */

/** sign(b)·|a| (Fortran's SIGN) */
const withSign = (a: number, b: number): number => (b >= 0 ? Math.abs(a) : -Math.abs(a));

/**
 * Eigenvalues of the symmetric n×n matrix `a` (row-major; only its lower triangle is read, and it is
 * overwritten), sorted ascending. Throws when QL does not converge in 60 sweeps per eigenvalue.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`symmetricEigenvalues: expected ${n}×${n} = ${n * n} entries, got ${a.length}`);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder: row i (from the bottom) reflected so that a[i][0..i-2] become 0; e holds the off-diagonal
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ri = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]!);
      if (scale === 0) {
        e[i] = a[ri + l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          a[ri + k]! /= scale;
          h += a[ri + k]! * a[ri + k]!;
        }
        let f = a[ri + l]!;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[ri + l] = f - g;
        // p = A·u / h over the leading (l+1)×(l+1) block, u = row i, from the lower triangle read row by row
        // (a[j][k] and its mirror a[k][j] in one pass: contiguous reads, several times faster than by columns)
        e.fill(0, 0, l + 1);
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          const uj = a[ri + j]!;
          let s = a[rj + j]! * uj;
          for (let k = 0; k < j; k++) {
            const ajk = a[rj + k]!;
            s += ajk * a[ri + k]!;
            e[k]! += ajk * uj;
          }
          e[j]! += s;
        }
        f = 0;
        for (let j = 0; j <= l; j++) {
          e[j]! /= h;
          f += e[j]! * a[ri + j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          f = a[ri + j]!;
          g = e[j]! - hh * f;
          e[j] = g;
          for (let k = 0; k <= j; k++) a[rj + k]! -= f * e[k]! + g * a[ri + k]!;
        }
      }
    } else {
      e[i] = a[ri + l]!;
    }
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
  // QL with implicit shifts on the tridiagonal (d, e)
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error(`symmetricEigenvalues: QL did not converge for eigenvalue ${l} of ${n}`);
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + withSign(r, g));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return d.sort();
}
