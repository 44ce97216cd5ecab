/**
 * CIFAR-10, binary version: data_batch_1..5.bin and test_batch.bin, each 10000 records of
 * 1 label byte (0..9) + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32 row-major).
 * We keep the pixels as HWC bytes and normalize per channel when a batch is drawn, so the full set
 * costs 184 MB rather than 737 MB of float32.
 */
import type { Rng } from '../core/rng.ts';
import type { InputSpec } from '../core/types.ts';
import { ArrayDataset, type Split } from './dataset.ts';
import { channelStats } from './synthetic.ts';
import path from 'node:path';
import { inputError } from '../core/errors.ts';
import {
  CIFAR_CLASS_NAMES, CIFAR_RECORDS_PER_FILE, CIFAR_SIDE, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES,
  assertCifarFiles, checkCifarInput, cifarFilesNeeded, readCifarFile, resolveCifarDir, type CifarOptions, type CifarSpec,
} from './cifar-files.ts';

export * from './cifar-files.ts';

function byteSplit(
  pixels: Uint8Array,
  labels: Uint8Array,
  side: number,
  mean: number[],
  std: number[],
  augment: boolean,
): Split {
  const size = side * side * 3;
  // Crop offsets up to ±4 px at 32×32 (scaled with the side), zero (= the mean) outside the image.
  const pad = Math.max(1, Math.round((4 * side) / CIFAR_SIDE));
  const scale = std.map((s) => 1 / (255 * s));
  const shift = mean.map((m, c) => m / std[c]!);
  return {
    n: labels.length,
    labels,
    write(i, out, offset, aug: Rng | null) {
      const src = i * size;
      if (!augment || aug === null) {
        for (let j = 0; j < size; j++) {
          const c = j % 3;
          out[offset + j] = pixels[src + j]! * scale[c]! - shift[c]!;
        }
        return;
      }
      const flip = aug.uniform() < 0.5;
      const dy = aug.int(2 * pad + 1) - pad;
      const dx = aug.int(2 * pad + 1) - pad;
      for (let y = 0; y < side; y++) {
        const sy = y + dy;
        for (let x = 0; x < side; x++) {
          const sx = (flip ? side - 1 - x : x) + dx;
          const o = offset + (y * side + x) * 3;
          if (sy < 0 || sy >= side || sx < 0 || sx >= side) {
            out[o] = 0;
            out[o + 1] = 0;
            out[o + 2] = 0;
            continue;
          }
          const s = src + (sy * side + sx) * 3;
          for (let c = 0; c < 3; c++) out[o + c] = pixels[s + c]! * scale[c]! - shift[c]!;
        }
      }
    },
  };
}

function readSplit(dir: string, files: string[], n: number, side: number, opts: CifarOptions): { pixels: Uint8Array; labels: Uint8Array } {
  const rpf = opts.recordsPerFile ?? CIFAR_RECORDS_PER_FILE;
  const pixels = new Uint8Array(n * side * side * 3);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const name of files) {
    if (at >= n) break;
    const take = Math.min(rpf, n - at);
    readCifarFile(path.join(dir, name), take, side, pixels, labels, at, opts);
    at += take;
  }
  return { pixels, labels };
}

/** Per-channel mean and std of HWC bytes, in [0,1] units. */
function byteChannelStats(pixels: Uint8Array): { mean: number[]; std: number[] } {
  const { mean, std } = channelStats(pixels, 3);
  return { mean: mean.map((m) => m / 255), std: std.map((s) => s / 255) };
}

/**
 * The first `trainSize` training images (in file order, data_batch_1 first) and the first `testSize`
 * test images, normalized per channel with the mean/std of the training subset, optionally augmented
 * with a seeded horizontal flip and a ±4 px crop (training batches only).
 */
export function loadCifar10(spec: CifarSpec, input: InputSpec, seed: number, opts: CifarOptions): ArrayDataset {
  checkCifarInput(input);
  const rpf = opts.recordsPerFile ?? CIFAR_RECORDS_PER_FILE;
  const max = rpf * CIFAR_TRAIN_FILES.length;
  if (spec.trainSize < 1 || spec.trainSize > max || spec.testSize < 1 || spec.testSize > rpf) {
    throw inputError({
      path: 'data',
      expected: `cifar10 trainSize in 1..${max} and testSize in 1..${rpf}`,
      got: `trainSize ${spec.trainSize}, testSize ${spec.testSize}`,
    });
  }
  const dir = assertCifarFiles(spec, opts);
  const side = input.height;
  const files = cifarFilesNeeded(spec, rpf);
  const train = readSplit(dir, files.slice(0, -1), spec.trainSize, side, opts);
  const test = readSplit(dir, [CIFAR_TEST_FILE], spec.testSize, side, opts);
  const { mean, std } = byteChannelStats(train.pixels);
  return new ArrayDataset({
    name: 'cifar10',
    classes: 10,
    classNames: CIFAR_CLASS_NAMES,
    input,
    seed,
    train: byteSplit(train.pixels, train.labels, side, mean, std, spec.augment),
    test: byteSplit(test.pixels, test.labels, side, mean, std, false),
    augment: spec.augment,
  });
}
