/**
 * The order-to-chaos phase diagram over (σ_w², σ_b²) (Poole et al. 2016; Schoenholz et al. 2017): the
 * boundary χ₁ = 1, the correlation depth scale ξ_c on a grid, and the depth a net can be trained to.
 */
import { type Act, derivSecondMoment } from './activations.ts';
import { type CorrelationFixedPoint, correlationFixedPoint } from './correlation.ts';
import { lengthFixedPoint } from './meanfield.ts';

/**
 * Schoenholz et al. 2017 (Figs. 5–6, MNIST and CIFAR-10): nets train when L ≲ 6ξ_c. Their multiple, for the
 * report to set beside the one a suite fits.
 */
export const SCHOENHOLZ_TRAINABLE_MULTIPLE = 6;

/** The depth a net can be trained to at correlation depth scale ξ_c: multiple·ξ_c (Infinity at criticality). */
export function trainableDepth(xiC: number, multiple: number): number {
  return multiple * xiC;
}

/** χ₁ at σ_w² (q* from q = 1); Infinity when q grows without bound (chaotic for unbounded φ). */
function chi1At(act: Act, sigmaW2: number, sigmaB2: number): number {
  const q = lengthFixedPoint(act, sigmaW2, sigmaB2).q;
  if (q === null) return Infinity;
  return sigmaW2 * derivSecondMoment(act, Math.max(q, 1e-300));
}

/**
 * The σ_w² where χ₁ = 1 at this σ_b²: the first crossing upwards from σ_w² = 0.01 (scanned by ×1.25, then
 * bisection to |Δσ_w²| ≤ 1e-13·σ_w²). Null when χ₁ stays below 1 up to σ_w² = 1e4 (e.g. sigmoid).
 * A σ_w² where q grows without bound counts as chaotic (relu with σ_b > 0: χ₁ = σ_w²/2 → 1 at σ_w² = 2).
 */
export function phaseBoundary(act: Act, sigmaB2: number): number | null {
  const f = (s: number): number => Math.min(chi1At(act, s, sigmaB2), 1e6) - 1;
  let a = 0.01;
  if (f(a) >= 0) return null;
  let b = a * 1.25;
  while (f(b) < 0) {
    if (b > 1e4) return null;
    a = b;
    b *= 1.25;
  }
  // bisection: χ₁ can jump where q* stops existing (relu with σ_b > 0 at σ_w² = 2), which stalls regula falsi
  while (b - a > 1e-13 * b) {
    const c = (a + b) / 2;
    const fc = f(c);
    if (fc === 0) return c;
    if (fc < 0) a = c;
    else b = c;
  }
  return (a + b) / 2;
}

export interface PhasePoint extends CorrelationFixedPoint {
  sigmaW2: number;
  sigmaB2: number;
  /** χ₁ = σ_w² E[φ′(√q* z)²] (null without a fixed point q*) */
  chi1: number | null;
}

export interface PhaseDiagram {
  act: Act;
  sigmaW2: number[];
  sigmaB2: number[];
  /** points[i][j] at (sigmaB2[i], sigmaW2[j]) */
  points: PhasePoint[][];
  /** phaseBoundary per sigmaB2[i] */
  boundary: (number | null)[];
}

/**
 * χ₁ and ξ_c (with q*, c*, χ_c) over a (σ_w², σ_b²) grid, and the boundary per σ_b², for the report's theory
 * card. Cost: one c* solve per chaotic point (Newton, ~6 passes of the 2-D rule) and one boundary search per
 * σ_b²: tanh on 25 × 9 points takes 0.6 s on the 2 shared cores (it took 22–30 s before the trapezoidal
 * rule and Newton), relu (closed forms) 0.1 s. `order` is the panel order for φ with a kink (elu, selu,
 * leaky_relu; 8 points: relative error ≤ ~1e-7, plenty for contours); smooth φ always get the full rule.
 */
export function phaseDiagram(act: Act, sigmaW2: number[], sigmaB2: number[], order = 8): PhaseDiagram {
  const points = sigmaB2.map((sb) =>
    sigmaW2.map((sw): PhasePoint => {
      const fp = correlationFixedPoint(act, sw, sb, order);
      const chi1 = fp.qStar === null ? null : sw * derivSecondMoment(act, Math.max(fp.qStar, 1e-300));
      return { sigmaW2: sw, sigmaB2: sb, chi1, ...fp };
    }),
  );
  return { act, sigmaW2, sigmaB2, points, boundary: sigmaB2.map((sb) => phaseBoundary(act, sb)) };
}
