/**
 * perf's theory section: the mean-field correlation functions the report calls over grids (its theory card,
 * ξ_c curve and phase diagram) — one c* solve (correlationFixedPoint) and a 25 × 9 phaseDiagram. In process,
 * no tfjs. Targets (issue 15's report must regenerate in seconds): ≤ 10 ms a c* solve, ≤ 2 s a grid.
 */
import { correlationFixedPoint, phaseDiagram } from '../theory/index.ts';
import { timeReps, type Timing } from './timing.ts';

/** σ_w² from ordered through critical to chaotic (tanh's boundary at σ_b² = 0.05 is 1.761), at σ_b² = 0.05. */
export const THEORY_SIGMA_W2 = [1, 1.5, 2, 2.5, 4];
export const THEORY_SIGMA_B2 = 0.05;
/** The phase-diagram grid: 25 σ_w² in [0.5, 4.1] × 9 σ_b² in [0, 0.4]. */
const GRID_W2 = Array.from({ length: 25 }, (_, i) => 0.5 + i * 0.15);
const GRID_B2 = Array.from({ length: 9 }, (_, i) => i * 0.05);

export interface TheoryPerf {
  /** per activation: the time of the THEORY_SIGMA_W2 solves in turn, and its median divided by their number */
  fixedPoint: { activation: string; sigmaW2: number[]; sigmaB2: number; timing: Timing; medianMsPerCall: number }[];
  phaseDiagram: { activation: string; sigmaW2Points: number; sigmaB2Points: number; timing: Timing }[];
  targets: { fixedPointMs: number; phaseDiagramMs: number };
}

export function timeTheory(reps: number, warmup: number, log: (line: string) => void): TheoryPerf {
  const fixedPoint: TheoryPerf['fixedPoint'] = [];
  const grids: TheoryPerf['phaseDiagram'] = [];
  for (const name of ['tanh', 'relu'] as const) {
    log(`perf: theory: correlationFixedPoint ${name}`);
    const timing = timeReps(() => THEORY_SIGMA_W2.forEach((sw) => correlationFixedPoint({ name }, sw, THEORY_SIGMA_B2)), warmup, reps);
    fixedPoint.push({ activation: name, sigmaW2: THEORY_SIGMA_W2, sigmaB2: THEORY_SIGMA_B2, timing, medianMsPerCall: timing.medianMs / THEORY_SIGMA_W2.length });
    log(`perf: theory: phaseDiagram ${name} ${GRID_W2.length}×${GRID_B2.length}`);
    // a grid takes ~0.6 s (tanh): one warm-up and at most 3 reps keep the section near 10 s
    grids.push({ activation: name, sigmaW2Points: GRID_W2.length, sigmaB2Points: GRID_B2.length, timing: timeReps(() => phaseDiagram({ name }, GRID_W2, GRID_B2), 1, Math.min(reps, 3)) });
  }
  return { fixedPoint, phaseDiagram: grids, targets: { fixedPointMs: 10, phaseDiagramMs: 2000 } };
}
