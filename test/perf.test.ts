/**
 * The perf room's truths: the step's FLOP count by hand, the median, the correctness gate passing on
 * wasm, no tensor leak across 20 SGD steps of the benchmark CNN on wasm, and the commands section's
 * JSON on a cheap subset (its timings are perf's to report, not a test's to assert).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { parseSections } from '../src/cli/commands/perf.ts';
import { InputError } from '../src/core/errors.ts';
import { PERF_CNN, PerfCnn, trainStepFlops } from '../src/perf/cnn.ts';
import { COMMAND_CASES, commandCaseName, timeCommands, type CommandCase } from '../src/perf/commands.ts';
import { compareArrays, runGate } from '../src/perf/gate.ts';
import { median, summarize } from '../src/perf/timing.ts';

describe('perf', () => {
  beforeAll(async () => {
    await readyBackend('wasm');
  });

  it('train-step FLOPs of the 10-layer 16-channel 3×3 CNN at 32×32, batch 64', () => {
    const f = trainStepFlops(PERF_CNN);
    const first = 2 * 64 * 32 * 32 * 9 * 3 * 16; // 56 623 104
    const rest = 2 * 64 * 32 * 32 * 9 * 16 * 16; // 301 989 888
    expect(f.forward).toBe(first + 9 * rest);
    expect(f.backpropInput).toBe(9 * rest);
    expect(f.backpropFilter).toBe(first + 9 * rest);
    expect(f.total).toBe(8_266_973_184);
  });

  it('median and summary of samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summarize([3, 1, 2, 9, 4], 2)).toMatchObject({ reps: 5, warmup: 2, medianMs: 3, minMs: 1, maxMs: 9 });
  });

  it('gate comparison: within atol + rtol·|ref| passes, one element off fails with its index', () => {
    const ref = new Float32Array([1, -2, 100, 0]);
    const ok = compareArrays('op', 'case', 'wasm', new Float32Array([1.00005, -2, 100.009, 5e-5]), ref, 1e-4, 1e-4);
    expect(ok).toMatchObject({ verdict: 'pass', mismatches: 0 });
    const bad = compareArrays('op', 'case', 'wasm', new Float32Array([1, -2, 100.02, 0]), ref, 1e-4, 1e-4);
    expect(bad).toMatchObject({ verdict: 'fail', mismatches: 1 });
    expect(bad.detail).toMatch(/^\[2\] got 100\.0/);
    expect(compareArrays('op', 'case', 'wasm', new Float32Array([NaN, -2, 100, 0]), ref, 1e-4, 1e-4).verdict).toBe('fail');
  });

  it('gate: wasm conv forward and gradients equal the cpu backend on every gate case', async () => {
    const g = await runGate('wasm', 'wasm');
    const failed = g.rows.filter((r) => r.verdict !== 'pass');
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    expect(g.passed).toBe(true);
    expect(g.rows.length).toBe(18);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('no tensor leak: numTensors is constant across 20 SGD steps on wasm, and the loss stays finite', () => {
    expect(tf.getBackend()).toBe('wasm');
    const net = new PerfCnn();
    try {
      net.step(); // optimizer state and kernel caches settle on the first step
      const counts: number[] = [];
      const buffers: number[] = [];
      const losses: number[] = [];
      for (let i = 0; i < 20; i++) {
        losses.push(net.step());
        counts.push(tf.memory().numTensors);
        buffers.push(tf.memory().numDataBuffers);
      }
      expect(new Set(counts).size, `numTensors per step: ${counts.join(',')}`).toBe(1);
      // our kernels share (Identity) and alias (backprop-filter views) WASM memory: no buffer may leak either
      expect(new Set(buffers).size, `numDataBuffers per step: ${buffers.join(',')}`).toBe(1);
      expect(losses.every(Number.isFinite)).toBe(true);
    } finally {
      const before = tf.memory().numTensors;
      net.dispose();
      expect(tf.memory().numTensors).toBeLessThan(before);
    }
  });
});

describe('perf commands section', () => {
  it('--sections: backends and commands, alone or both; anything else is an input error naming the flag', () => {
    expect(parseSections('commands')).toEqual(['commands']);
    expect(parseSections('backends, commands,backends')).toEqual(['backends', 'commands']);
    expect(() => parseSections('kernels')).toThrow(InputError);
    expect(() => parseSections('kernels')).toThrow(/^--sections: expected a comma-separated list of backends, commands, theory, got /);
  });

  it('JSON of --version, report DIR, the pool timeout (one run each) and a failing command', async () => {
    const names = ['initbench --version', 'initbench report DIR', 'writeReport(DIR) in process', 'pool of 1 cpu worker: a 20 s task with a 500 ms timeout'];
    const cheap = COMMAND_CASES.filter((c) => names.includes(commandCaseName(c))).map((c) => ({ ...c, reps: 1 }));
    const failing: CommandCase = { kind: 'spawn', args: ['report', 'DIR/nope'], reps: 3, target: { ms: 60_000, source: 'a test' } };
    const r = await timeCommands([...cheap, failing]);
    expect(r.figures.map((f) => f.name)).toEqual([...names, 'initbench report DIR/nope']);
    const [version, report, inProcess, pool, bad] = r.figures;
    for (const f of [version!, report!, inProcess!, pool!]) {
      expect(f.error, f.name).toBeNull();
      expect(f.timing).toMatchObject({ reps: 1, warmup: f === inProcess ? 1 : 0, samplesMs: [expect.any(Number)] });
      expect(f.met).toBe(f.timing!.medianMs <= f.target!.ms);
    }
    expect(inProcess!.target).toEqual({ ms: 1000, source: expect.stringContaining('issue 12') });
    expect(version!.target).toEqual({ ms: 250, source: expect.stringContaining('issue 13') });
    expect(report!.target!.ms).toBe(1000);
    expect(pool!.target).toEqual({ ms: 15_000, source: expect.stringContaining('run-pool.test.ts') });
    // DIR was filled in (report exits 0 on it); a failed run stops its case and is reported, not thrown
    expect(bad).toMatchObject({ timing: null, met: null, error: expect.stringMatching(/^exit 2: initbench: .*no such results dir/) });
    expect(r.placeholders.DIR).toContain('the default suite (suites/default.json) with its 76 planned runs synthesized');
    expect(r.load.before.loadavg).toHaveLength(3);
  });
});
