/**
 * Data for training runs and data-sourced probes: the synthetic Gabor task (synthetic.ts) and
 * CIFAR-10 (cifar10.ts), behind one Dataset interface (dataset.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { DataSamples, DataSpec, InputSpec } from '../core/types.ts';
import { ArrayDataset, type Dataset } from './dataset.ts';
import { loadCifar10 } from './cifar10.ts';
import { checkDataSpec, dataLabel } from './spec.ts';
import { loadSynthetic } from './synthetic.ts';

export type { Batch, Dataset } from './dataset.ts';
export { assertDataAvailable, checkDataSpec, dataLabel, resolveDataDir } from './spec.ts';
export { CIFAR_MD5, CIFAR_URL, NetworkError, downloadCifar10Archive, md5File, unpackCifar10, verifyMd5 } from './download.ts';

export interface DataOptions {
  dataDir: string;
  /** CIFAR records per file; only tests that write small files set it */
  cifarRecordsPerFile?: number;
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
