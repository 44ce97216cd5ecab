/**
 * Data for training runs and data-sourced probes: the synthetic Gabor task (synthetic.ts) and
 * CIFAR-10 (cifar10.ts), behind one Dataset interface (dataset.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { inputError } from '../core/errors.ts';
import type { DataSamples, DataSpec, InputSpec } from '../core/types.ts';
import { ArrayDataset, type Dataset } from './dataset.ts';
import { assertCifarFiles, checkCifarInput, loadCifar10 } from './cifar10.ts';
import { loadSynthetic } from './synthetic.ts';

export type { Batch, Dataset } from './dataset.ts';
export { CIFAR_MD5, CIFAR_URL, NetworkError, downloadCifar10Archive, md5File, unpackCifar10, verifyMd5 } from './download.ts';

export interface DataOptions {
  dataDir: string;
  /** CIFAR records per file; only tests that write small files set it */
  cifarRecordsPerFile?: number;
}

/** `--data-dir` flag, else INITBENCH_DATA, else `data/` (relative to the working directory). */
export function resolveDataDir(flag?: string): string {
  if (flag !== undefined && flag !== '') return flag;
  const env = process.env['INITBENCH_DATA'];
  return env !== undefined && env !== '' ? env : 'data';
}

export function dataLabel(spec: DataSpec): string {
  return spec.kind === 'synthetic' ? `synthetic d=${spec.difficulty} k=${spec.classes}` : `cifar10 ${spec.trainSize}/${spec.testSize}${spec.augment ? ' aug' : ''}`;
}

/** Shape and size checks that need no files: the runner can call it while planning. */
export function checkDataSpec(spec: DataSpec, input: InputSpec): void {
  if (spec.kind === 'cifar10') {
    checkCifarInput(input);
    return;
  }
  if (!(spec.difficulty >= 0 && spec.difficulty <= 1)) {
    throw inputError({ path: 'data.difficulty', expected: 'a number in [0, 1]', got: spec.difficulty });
  }
  if (!Number.isInteger(spec.classes) || spec.classes < 2 || spec.classes > 255) {
    throw inputError({ path: 'data.classes', expected: 'an integer in 2..255', got: spec.classes });
  }
  for (const k of ['trainSize', 'testSize'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) throw inputError({ path: `data.${k}`, expected: 'an integer ≥ 1', got: spec[k] });
  }
}

/**
 * Throws a clear InputError (before any run starts) when the files a cifar10 spec needs are absent,
 * of the wrong size, or hold a label > 9.
 */
export function assertDataAvailable(spec: DataSpec, dataDir: string, opts: { cifarRecordsPerFile?: number } = {}): void {
  if (spec.kind === 'cifar10') assertCifarFiles(spec, { dataDir, recordsPerFile: opts.cifarRecordsPerFile }, true);
}

export async function loadData(spec: DataSpec, input: InputSpec, seed: number, opts: DataOptions): Promise<Dataset> {
  return loadArrayData(spec, input, seed, opts);
}

function loadArrayData(spec: DataSpec, input: InputSpec, seed: number, opts: DataOptions): ArrayDataset {
  checkDataSpec(spec, input);
  if (spec.kind === 'synthetic') return loadSynthetic(spec, input, seed);
  return loadCifar10(spec, input, seed, { dataDir: opts.dataDir, recordsPerFile: opts.cifarRecordsPerFile });
}

/**
 * The first `n` held-out images as a probe batch (so at-init statistics can be measured on real
 * images). Caller disposes.
 */
export function probeBatchFromData(dataset: Dataset, n: number): tf.Tensor4D {
  const it = dataset.testBatches(Math.min(n, dataset.testSize));
  const first = it.next();
  it.return(undefined);
  if (first.done === true) throw new Error(`dataset ${dataset.name} has no held-out images`);
  first.value.y.dispose();
  return first.value.x;
}

/**
 * `count` training images (`count / classes` per class, in class order) as HWC bytes for the report's
 * sample grid. Normalized values are mapped linearly per image from [min, max] to 0..255.
 */
export async function sampleImages(spec: DataSpec, input: InputSpec, seed: number, opts: DataOptions & { count?: number }): Promise<DataSamples> {
  const ds = loadArrayData(
    // a sample grid needs only a few images per class
    spec.kind === 'synthetic'
      ? { ...spec, trainSize: Math.min(spec.trainSize, 8 * spec.classes), testSize: 1 }
      : { ...spec, trainSize: Math.min(spec.trainSize, 1000), testSize: 1, augment: false },
    input,
    seed,
    opts,
  );
  try {
    const count = opts.count ?? 24;
    const perClass = Math.max(1, Math.ceil(count / ds.classes));
    const labelsAll = ds.trainLabels();
    const idx: number[] = [];
    for (let k = 0; k < ds.classes && idx.length < count; k++) {
      let got = 0;
      for (let i = 0; i < labelsAll.length && got < perClass && idx.length < count; i++) {
        if (labelsAll[i] === k) {
          idx.push(i);
          got++;
        }
      }
    }
    const b = ds.trainExamples(idx);
    const data = (await b.x.data()) as Float32Array;
    b.x.dispose();
    b.y.dispose();
    const size = input.height * input.width * input.channels;
    const images = idx.map((_, j) => {
      const px = data.subarray(j * size, (j + 1) * size);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of px) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const span = hi > lo ? hi - lo : 1;
      return Array.from(px, (v) => Math.round((255 * (v - lo)) / span));
    });
    return {
      label: dataLabel(spec),
      data: spec,
      height: input.height,
      width: input.width,
      channels: input.channels,
      images,
      labels: idx.map((i) => labelsAll[i]!),
      classNames: ds.classNames,
    };
  } finally {
    ds.dispose();
  }
}
