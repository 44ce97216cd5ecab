/** The theory card's table: per activation and initializer setting of the suite, the mean-field constants (rows-eoc.ts theoryCardRows). */
import type { TheoryCardRow } from './rows-eoc.ts';
import { escapeHtml, fmt } from './util.ts';

const stability = (s: boolean | null): string => (s === null ? 'marginal or none' : s ? 'attracts' : 'repels');

export function theoryCardHtml(rows: readonly TheoryCardRow[]): string {
  const head = '<tr><th>activation</th><th>initializer</th><th>σ_w²</th><th>σ_b²</th><th>q*</th><th>χ₁</th><th>c*</th><th>χ_c</th><th>ξ_c (layers)</th><th>q* stability</th><th>phase</th></tr>';
  const body = rows
    .map((r) => `<tr><td>${escapeHtml(r.activation)}</td><td>${escapeHtml(r.init)}</td>${[r.sigmaW2, r.sigmaB2, r.qStar, r.chi1, r.cStar, r.chiC, r.xiC].map((v) => `<td>${escapeHtml(fmt(v, 4))}</td>`).join('')}<td>${escapeHtml(stability(r.stable))}</td><td>${escapeHtml(r.phase)}</td></tr>`)
    .join('');
  return `<section id="sec-theory-card"><h2>Theory card</h2>
<p class="note">How to read: mean-field signal propagation at each setting of this suite (Poole et al. 2016; Schoenholz et al. 2017). q* is the fixed point of the variance map, χ₁ its slope on correlations near 1 (ordered &lt; 1 &lt; chaotic), c* the correlation every pair of inputs tends to, χ_c the c-map's slope there and ξ_c = −1/ln χ_c the depth over which correlations forget their input (∞ at the critical point).</p>
<table class="grid">${head}${body}</table></section>`;
}
