/** Wall-clock timing of synchronous work: warm-up runs discarded, then the median of timed reps. */

export interface Timing {
  reps: number;
  warmup: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
  /** process CPU time of each timed rep (user+system), when measured */
  cpuMedianMs?: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarize(samplesMs: number[], warmup: number): Timing {
  return {
    reps: samplesMs.length,
    warmup,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
  };
}

/**
 * Runs `fn` warmup + reps times; `fn` must finish its work before returning (wasm/cpu kernels do).
 * Also records the process CPU time per rep, which competing load does not inflate.
 */
export function timeReps(fn: () => void, warmup: number, reps: number): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ...summarize(samples, warmup), cpuMedianMs: median(cpu) };
}

/** GFLOP/s at the median time. */
export function gflops(flops: number, t: Timing): number {
  return flops / (t.medianMs * 1e6);
}
