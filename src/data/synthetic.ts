/**
 * The synthetic task: oriented Gabor patches in noise.
 *
 * Class k of K is an orientation θ_k = π·k/K. Each image holds one Gabor patch
 *   g(y, x) = contrast · exp(−r²/2σ²) · cos(2π/λ · ((x−cx)·cos θ + (y−cy)·sin θ) + φ)
 * with σ = 0.22·S and λ = 0.3·S·(1 ± 0.15) for image side S, at a random centre (cx, cy), a random phase
 * φ ∈ [0, 2π) and θ = θ_k jittered. Each channel shows g times a random gain in [0.5, 1] plus white
 * Gaussian noise. Because of the random phase the class-conditional mean image is ≈ 0 everywhere and
 * colour carries no label: only the local orientation of edges says the class, so a model must learn
 * oriented spatial filters and pool them over positions — what a CNN is for, and what a linear model
 * on pixels cannot do.
 *
 * Difficulty d ∈ [0, 1] moves every nuisance at once:
 *   contrast      1 − 0.75·d           (1 → 0.25)
 *   noise std     0.1 + 0.9·d          (0.1 → 1.0)
 *   centre jitter ±(0.1 + 0.25·d)·S    around the image centre
 *   orientation   θ_k ± 0.6·d·(π/2K)   (at d = 1 neighbouring classes' ranges almost touch)
 * Images are then standardized per channel with the training split's mean and std.
 * Labels are balanced (example i has class i mod K); train and held-out examples come from two
 * independent streams of the seed, so the held-out set never repeats a training image.
 */
import { Rng, deriveSeed } from '../core/rng.ts';
import type { InputSpec } from '../core/types.ts';
import { ArrayDataset, type Split } from './dataset.ts';

export interface SyntheticSpec {
  difficulty: number;
  classes: number;
  trainSize: number;
  testSize: number;
}

export interface SyntheticParams {
  contrast: number;
  noise: number;
  /** centre jitter, as a fraction of the image side */
  jitter: number;
  /** orientation jitter in radians (half-width of the uniform range) */
  orientJitter: number;
}

export function syntheticParams(difficulty: number, classes: number): SyntheticParams {
  const d = Math.min(1, Math.max(0, difficulty));
  return {
    contrast: 1 - 0.75 * d,
    noise: 0.1 + 0.9 * d,
    jitter: 0.1 + 0.25 * d,
    orientJitter: 0.6 * d * (Math.PI / (2 * classes)),
  };
}

/** Raw (unstandardized) HWC images and labels of one split. */
export function generateSynthetic(
  spec: SyntheticSpec,
  input: InputSpec,
  seed: number,
  split: 'train' | 'test',
): { images: Float32Array; labels: Uint8Array } {
  const { height: h, width: w, channels: c } = input;
  const n = split === 'train' ? spec.trainSize : spec.testSize;
  const p = syntheticParams(spec.difficulty, spec.classes);
  const rng = new Rng(deriveSeed(seed, 'synthetic', split));
  const images = new Float32Array(n * h * w * c);
  const labels = new Uint8Array(n);
  const side = Math.min(h, w);
  const sigma = 0.22 * side;
  const gains = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const k = i % spec.classes;
    labels[i] = k;
    const theta = (Math.PI * k) / spec.classes + (2 * rng.uniform() - 1) * p.orientJitter;
    const lambda = 0.3 * side * (1 + 0.15 * (2 * rng.uniform() - 1));
    const phase = 2 * Math.PI * rng.uniform();
    const cx = (w - 1) / 2 + (2 * rng.uniform() - 1) * p.jitter * w;
    const cy = (h - 1) / 2 + (2 * rng.uniform() - 1) * p.jitter * h;
    for (let ch = 0; ch < c; ch++) gains[ch] = 0.5 + 0.5 * rng.uniform();
    const ct = Math.cos(theta);
    const st = Math.sin(theta);
    const base = i * h * w * c;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const g =
          p.contrast *
          Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) *
          Math.cos(((2 * Math.PI) / lambda) * (dx * ct + dy * st) + phase);
        const o = base + (y * w + x) * c;
        for (let ch = 0; ch < c; ch++) images[o + ch] = g * gains[ch]! + p.noise * rng.normal();
      }
    }
  }
  return { images, labels };
}

/** Per-channel mean and std over HWC images (float64 accumulation). */
export function channelStats(images: ArrayLike<number>, channels: number): { mean: number[]; std: number[] } {
  const s = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  for (let i = 0; i < images.length; i++) {
    const v = images[i]!;
    s[i % channels] += v;
    s2[i % channels] += v * v;
  }
  const per = images.length / channels;
  const mean = Array.from(s, (v) => v / per);
  const std = Array.from(s2, (v, ch) => Math.sqrt(Math.max(v / per - mean[ch]! ** 2, 1e-12)));
  return { mean, std };
}

function floatSplit(images: Float32Array, labels: Uint8Array, size: number): Split {
  return {
    n: labels.length,
    labels,
    write(i, out, offset) {
      out.set(images.subarray(i * size, (i + 1) * size), offset);
    },
  };
}

export const SYNTHETIC_CLASS_NAMES = (k: number): string[] =>
  Array.from({ length: k }, (_, i) => `${Math.round((180 * i) / k)}°`);

export function loadSynthetic(spec: SyntheticSpec, input: InputSpec, seed: number): ArrayDataset {
  const size = input.height * input.width * input.channels;
  const train = generateSynthetic(spec, input, seed, 'train');
  const test = generateSynthetic(spec, input, seed, 'test');
  const { mean, std } = channelStats(train.images, input.channels);
  for (const imgs of [train.images, test.images]) {
    for (let i = 0; i < imgs.length; i++) {
      const ch = i % input.channels;
      imgs[i] = (imgs[i]! - mean[ch]!) / std[ch]!;
    }
  }
  return new ArrayDataset({
    name: `synthetic d=${spec.difficulty} k=${spec.classes}`,
    classes: spec.classes,
    classNames: SYNTHETIC_CLASS_NAMES(spec.classes),
    input,
    seed,
    train: floatSplit(train.images, train.labels, size),
    test: floatSplit(test.images, test.labels, size),
    augment: false,
  });
}
