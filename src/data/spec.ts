/**
 * What a data spec needs before anything loads: the data dir, labels, shape/size checks and the
 * presence of CIFAR files. Loads no tfjs, so planning and the CLI check data without the engine.
 */
import { inputError } from '../core/errors.ts';
import type { DataSpec, InputSpec } from '../core/types.ts';
import { assertCifarFiles, checkCifarInput } from './cifar-files.ts';

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
