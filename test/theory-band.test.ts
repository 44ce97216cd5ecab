/**
 * The finite-width band of predictLayersDetailed against the spread of ln Var(z_l) over independently drawn
 * tfjs conv nets (cpu backend): the sample sd s of k draws satisfies (k − 1)s²/σ² ~ χ²_{k−1} when σ is the
 * true sd, so the predicted σ must lie where that statistic has probability ≥ 0.001 in each tail. Nets and
 * batches are seeded; the settings are small so the file runs in seconds.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chi2Quantile, predictLayersDetailed, secondMomentFactor, fourthMoment } from '../src/theory/index.ts';

/** ln of the variance of every conv layer's pre-activation, one He-normal plain 'same' conv net per seed. */
function lnVariances(o: { act: 'relu' | 'tanh'; depth: number; width: number; size: number; batch: number; seed: number }): number[] {
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.randomNormal([o.batch, o.size, o.size, 3], 0, 1, 'float32', 7 + o.seed * 1000);
    const out: number[] = [];
    for (let l = 0; l < o.depth; l++) {
      const cin = l === 0 ? 3 : o.width;
      const w = tf.randomNormal([3, 3, cin, o.width], 0, Math.sqrt(2 / (9 * cin)), 'float32', 11 + o.seed * 1000 + l) as tf.Tensor4D;
      const z = tf.conv2d(x, w, 1, 'same');
      out.push(Math.log(tf.moments(z).variance.dataSync()[0]!));
      x = (o.act === 'relu' ? tf.relu(z) : tf.tanh(z)) as tf.Tensor4D;
    }
    return out;
  });
}

describe('finite-width band vs the measured spread of ln Var over seeds', () => {
  beforeAll(async () => {
    const { readyBackend } = await import('../src/backend/index.ts');
    await readyBackend('cpu');
  });
  const settings = [
    { act: 'tanh' as const, depth: 12, width: 16, size: 8, batch: 8, seeds: 40 },
    { act: 'relu' as const, depth: 12, width: 16, size: 8, batch: 8, seeds: 40 },
  ];
  it.each(settings)('$act width $width depth $depth, $size×$size, batch $batch, $seeds nets: σ of ln Var at layers 4, 8, 12 inside the χ² 0.1%–99.9% range', (o) => {
    const before = tf.memory().numTensors;
    const runs = Array.from({ length: o.seeds }, (_, s) => lnVariances({ ...o, seed: s + 1 }));
    expect(tf.memory().numTensors).toBe(before);
    const act = { name: o.act };
    const detail = predictLayersDetailed({
      arch: { kind: 'plain', depth: o.depth, width: o.width, kernel: 3, padding: 'same', bias: false, downsample: { at: [], mode: 'stride' } },
      input: { height: o.size, width: o.size, channels: 3 },
      activation: act,
      weightVariances: Array.from({ length: o.depth }, (_, l) => 2 / (9 * (l === 0 ? 3 : o.width))),
      inputVariance: 1,
      biasVariance: 0,
      batch: o.batch,
    });
    const k = o.seeds;
    const lo = chi2Quantile(0.001, k - 1);
    const hi = chi2Quantile(0.999, k - 1);
    for (const l of [4, 8, 12]) {
      const xs = runs.map((r) => r[l - 1]!);
      const m = xs.reduce((a, b) => a + b, 0) / k;
      const s2 = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (k - 1);
      const sigma2 = detail[l - 1]!.logNormVariance!;
      const stat = ((k - 1) * s2) / sigma2;
      expect(stat, `layer ${l}: s = ${Math.sqrt(s2).toFixed(4)}, predicted σ = ${Math.sqrt(sigma2).toFixed(4)}`).toBeGreaterThan(lo);
      expect(stat, `layer ${l}: s = ${Math.sqrt(s2).toFixed(4)}, predicted σ = ${Math.sqrt(sigma2).toFixed(4)}`).toBeLessThan(hi);
      // the unit-wise sum it replaces (Σ_{j<l} κ_j/n + 2/n) is rejected for tanh by the same test
      if (o.act === 'tanh') {
        let acc = 2 / o.width;
        for (let j = 0; j < l - 1; j++) {
          const q = detail[j]!.preVariance!;
          acc += fourthMoment(act, q) / secondMomentFactor(act, q) ** 2 / o.width - 1 / o.width;
        }
        expect(((k - 1) * s2) / acc).toBeLessThan(lo);
      }
    }
  });
});
