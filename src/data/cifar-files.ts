/**
 * CIFAR-10's files on disk: names, sizes, label checks and the byte reader. Loads no tfjs, so
 * planning and `data` can check a data dir without the engine (src/data/cifar10.ts builds batches).
 */
import fs from 'node:fs';
import path from 'node:path';
import { inputError, InputError } from '../core/errors.ts';
import type { InputSpec } from '../core/types.ts';

export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR_TEST_FILE = 'test_batch.bin';
export const CIFAR_RECORD = 3073;
export const CIFAR_RECORDS_PER_FILE = 10000;
export const CIFAR_SIDE = 32;
export const CIFAR_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** The archive unpacks into this folder; we also accept the .bin files directly in the data dir. */
export const CIFAR_SUBDIR = 'cifar-10-batches-bin';

export interface CifarSpec {
  trainSize: number;
  testSize: number;
  augment: boolean;
}

export interface CifarOptions {
  dataDir: string;
  /** records per file; 10000 for the real data, smaller in tests that write their own files */
  recordsPerFile?: number;
}

export function fixHint(dataDir: string): string {
  return (
    `fix: run \`npm run data:cifar10 -- --data-dir ${dataDir}\`, or unpack cifar-10-binary.tar.gz ` +
    `(https://www.cs.toronto.edu/~kriz/cifar.html) so that ${path.join(dataDir, CIFAR_SUBDIR)}/ holds ` +
    `data_batch_1.bin … data_batch_5.bin and test_batch.bin`
  );
}

/** The folder holding the .bin files: DIR/cifar-10-batches-bin when it exists, else DIR itself. */
export function resolveCifarDir(dataDir: string): string {
  const sub = path.join(dataDir, CIFAR_SUBDIR);
  return fs.existsSync(sub) && fs.statSync(sub).isDirectory() ? sub : dataDir;
}

/** The files a spec needs: the first ⌈trainSize/recordsPerFile⌉ training files and the test file. */
export function cifarFilesNeeded(spec: CifarSpec, recordsPerFile = CIFAR_RECORDS_PER_FILE): string[] {
  const nTrain = Math.min(CIFAR_TRAIN_FILES.length, Math.max(1, Math.ceil(spec.trainSize / recordsPerFile)));
  return [...CIFAR_TRAIN_FILES.slice(0, nTrain), CIFAR_TEST_FILE];
}

/**
 * Checks that the data dir exists, is not empty, and holds every needed file at its exact size;
 * with `scanLabels`, also every record's label byte (reads the files: ≈ 0.1 s each), so a corrupt file
 * stops a suite before any run rather than failing runs one by one.
 */
export function assertCifarFiles(spec: CifarSpec, opts: CifarOptions, scanLabels = false): string {
  const rpf = opts.recordsPerFile ?? CIFAR_RECORDS_PER_FILE;
  const dataDir = opts.dataDir;
  if (!fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) {
    throw new InputError(`${dataDir}: data dir does not exist; cifar10 needs its binary files there (${fixHint(dataDir)})`, {
      file: dataDir,
    });
  }
  const dir = resolveCifarDir(dataDir);
  const present = fs.readdirSync(dir);
  if (present.length === 0) {
    throw new InputError(`${dir}: data dir is empty; cifar10 needs data_batch_1..5.bin and test_batch.bin (${fixHint(dataDir)})`, {
      file: dir,
    });
  }
  const expected = rpf * CIFAR_RECORD;
  for (const name of cifarFilesNeeded(spec, rpf)) {
    const file = path.join(dir, name);
    if (!present.includes(name)) {
      throw new InputError(`${file}: missing cifar10 file (found ${present.length} other entr${present.length === 1 ? 'y' : 'ies'} in ${dir}); ${fixHint(dataDir)}`, {
        file,
      });
    }
    const size = fs.statSync(file).size;
    checkSize(file, size, expected, rpf, dataDir);
    if (scanLabels) {
      const buf = fs.readFileSync(file);
      for (let r = 0; r < rpf; r++) checkLabel(file, buf[r * CIFAR_RECORD]!, r, dataDir);
    }
  }
  return dir;
}

function checkLabel(file: string, label: number, r: number, dataDir: string): void {
  if (label <= 9) return;
  throw inputError({
    file,
    path: `byte offset ${r * CIFAR_RECORD}`,
    expected: 'a label 0..9 (the first byte of record ' + r + ')',
    got: label,
    hint: `the file is corrupt or not CIFAR-10 (CIFAR-100 files have 2 label bytes); ${fixHint(dataDir)}`,
  });
}

function checkSize(file: string, size: number, expected: number, rpf: number, dataDir: string): void {
  if (size === expected) return;
  if (size < expected) {
    const rec = Math.floor(size / CIFAR_RECORD);
    throw inputError({
      file,
      path: `byte offset ${size}`,
      expected: `${expected} bytes (${rpf} records of ${CIFAR_RECORD})`,
      got: `${size} bytes: truncated inside record ${rec} (which starts at byte offset ${rec * CIFAR_RECORD})`,
      hint: fixHint(dataDir),
    });
  }
  throw inputError({
    file,
    path: `byte offset ${expected}`,
    expected: `${expected} bytes (${rpf} records of ${CIFAR_RECORD}) ending here`,
    got: `${size} bytes: ${size - expected} extra bytes (not a CIFAR-10 binary batch file?)`,
    hint: fixHint(dataDir),
  });
}

/**
 * Reads up to `take` records of one file into `pixels` (HWC bytes, downscaled to `side`) and `labels`
 * from position `at`. Checks the size again (the file may change after the stat) and every label.
 */
export function readCifarFile(
  file: string,
  take: number,
  side: number,
  pixels: Uint8Array,
  labels: Uint8Array,
  at: number,
  opts: CifarOptions,
): void {
  const rpf = opts.recordsPerFile ?? CIFAR_RECORDS_PER_FILE;
  const buf = fs.readFileSync(file);
  checkSize(file, buf.length, rpf * CIFAR_RECORD, rpf, opts.dataDir);
  const f = CIFAR_SIDE / side;
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  const area = f * f;
  for (let r = 0; r < take; r++) {
    const off = r * CIFAR_RECORD;
    const label = buf[off]!;
    checkLabel(file, label, r, opts.dataDir);
    labels[at + r] = label;
    const dst = (at + r) * side * side * 3;
    // CHW → HWC, averaging f×f blocks when the run asks for a smaller image.
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let dy = 0; dy < f; dy++) {
            const row = off + 1 + c * plane + (y * f + dy) * CIFAR_SIDE + x * f;
            for (let dx = 0; dx < f; dx++) s += buf[row + dx]!;
          }
          pixels[dst + (y * side + x) * 3 + c] = Math.round(s / area);
        }
      }
    }
  }
}

/** cifar10 runs take 3 channels and a square side dividing 32 (32, 16, 8…), reached by block averaging. */
export function checkCifarInput(input: InputSpec): void {
  if (input.channels !== 3 || input.height !== input.width || CIFAR_SIDE % input.height !== 0) {
    throw inputError({
      path: 'input',
      expected: 'channels 3 and height = width dividing 32 (32, 16 or 8) for cifar10',
      got: `${input.height}×${input.width}×${input.channels}`,
    });
  }
}
