/**
 * Timing SGD steps of the perf CNN on the active backend. Used in-process and by pool workers
 * (tasks.ts); with a barrier, workers start their timed steps together so the
 * pool's throughput is measured with every worker busy.
 */
import * as tf from '@tensorflow/tfjs';
import { PERF_CNN, PerfCnn, type PerfCnnSpec } from './cnn.ts';
import { summarize, type Timing } from './timing.ts';

export interface TrainTiming {
  timing: Timing;
  flopsPerStep: number;
  gflops: number;
  /** epoch ms when the first timed step started and the last ended */
  startedAt: number;
  endedAt: number;
  lossFirst: number;
  lossLast: number;
  /** tf.memory().numTensors before the first and after the last step (must match) */
  tensorsBefore: number;
  tensorsAfter: number;
  /**
   * user+system CPU of the whole process during the timed window (all worker threads: with the pool's
   * windows aligned, each worker's figure ≈ the pool's total CPU). Unlike wall time, it does not grow
   * when other processes compete for the cores.
   */
  processCpuMs: number;
  pid: number;
  threadId: number;
}

export interface TrainTimingOptions {
  spec?: PerfCnnSpec;
  warmup: number;
  reps: number;
  /** Int32Array over a SharedArrayBuffer: [arrived]; every party waits until all have warmed up */
  barrier?: { buffer: SharedArrayBuffer; parties: number };
  /** worker thread id, for the record */
  threadId?: number;
}

function awaitBarrier(b: { buffer: SharedArrayBuffer; parties: number }): void {
  const cell = new Int32Array(b.buffer);
  Atomics.add(cell, 0, 1);
  Atomics.notify(cell, 0);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const seen = Atomics.load(cell, 0);
    if (seen >= b.parties) return;
    if (Date.now() > deadline) throw new Error(`perf barrier: only ${seen} of ${b.parties} workers arrived`);
    Atomics.wait(cell, 0, seen, 1000);
  }
}

export function timeTrainSteps(opts: TrainTimingOptions): TrainTiming {
  const net = new PerfCnn(opts.spec ?? PERF_CNN);
  try {
    for (let i = 0; i < opts.warmup; i++) net.step();
    if (opts.barrier !== undefined) awaitBarrier(opts.barrier);
    const tensorsBefore = tf.memory().numTensors;
    const samples: number[] = [];
    const losses: number[] = [];
    const cpu0 = process.cpuUsage();
    const startedAt = performance.timeOrigin + performance.now();
    for (let i = 0; i < opts.reps; i++) {
      const t0 = performance.now();
      losses.push(net.step());
      samples.push(performance.now() - t0);
    }
    const endedAt = performance.timeOrigin + performance.now();
    const cpu = process.cpuUsage(cpu0);
    const timing = summarize(samples, opts.warmup);
    return {
      timing,
      flopsPerStep: net.flops.total,
      gflops: net.flops.total / (timing.medianMs * 1e6),
      startedAt,
      endedAt,
      lossFirst: losses[0] ?? NaN,
      lossLast: losses[losses.length - 1] ?? NaN,
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
      processCpuMs: (cpu.user + cpu.system) / 1000,
      pid: process.pid,
      threadId: opts.threadId ?? 0,
    };
  } finally {
    net.dispose();
  }
}
