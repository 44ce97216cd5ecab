import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyBackend } from '../src/backend/index.ts';
import { InputError } from '../src/core/errors.ts';
import type { DataSpec, InputSpec } from '../src/core/types.ts';
import { assertDataAvailable, loadData, md5File, NetworkError, probeBatchFromData, sampleImages, verifyMd5 } from '../src/data/index.ts';
import { CIFAR_RECORD, CIFAR_SUBDIR } from '../src/data/cifar10.ts';
import { downloadCifar10Archive, extractTarGz } from '../src/data/download.ts';

// Small files in the real format: R records of 1 label byte + 3072 CHW bytes each.
const R = 4;
const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const input32: InputSpec = { height: 32, width: 32, channels: 3 };

/** Pixel byte of record `r` of file `f` at channel c, row y, column x: a pattern that tells them apart. */
function px(f: number, r: number, c: number, y: number, x: number): number {
  return (f * 37 + r * 11 + c * 71 + y * 5 + x * 3 + ((x * y) % 7)) % 256;
}
function label(f: number, r: number): number {
  return (f * 3 + r * 7) % 10;
}
function record(f: number, r: number): Buffer {
  const b = Buffer.alloc(CIFAR_RECORD);
  b[0] = label(f, r);
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) b[1 + c * 1024 + y * 32 + x] = px(f, r, c, y, x);
  return b;
}
function writeSet(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  FILES.forEach((name, f) => fs.writeFileSync(path.join(dir, name), Buffer.concat(Array.from({ length: R }, (_, r) => record(f, r)))));
}

let root: string;
beforeAll(async () => {
  await readyBackend('cpu');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-cifar-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function fresh(name: string, sub = true): string {
  const dir = path.join(root, name);
  writeSet(sub ? path.join(dir, CIFAR_SUBDIR) : dir);
  return dir;
}
const spec = (trainSize: number, testSize: number, augment = false): DataSpec => ({ kind: 'cifar10', trainSize, testSize, augment });
const opts = (dataDir: string) => ({ dataDir, cifarRecordsPerFile: R });

/** Independent float64 truth: per-channel stats over the first n training records in file order. */
function truthStats(n: number): { mean: number[]; std: number[] } {
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const f = Math.floor(i / R);
    const r = i % R;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const v = px(f, r, c, y, x) / 255;
          s[c]! += v;
          s2[c]! += v * v;
        }
  }
  const m = s.map((v) => v / (n * 1024));
  return { mean: m, std: s2.map((v, c) => Math.sqrt(v / (n * 1024) - m[c]! ** 2)) };
}

describe('cifar10 loader on generated files', () => {
  it('test split: labels and CHW→HWC pixels match the hand-made records, normalized with training-subset stats', async () => {
    const dir = fresh('ok');
    const ds = await loadData(spec(6, 3), input32, 5, opts(dir));
    const { mean, std } = truthStats(6);
    const b = ds.test();
    const x = await b.x.data();
    const y = await b.y.array();
    expect(b.x.shape).toEqual([3, 32, 32, 3]);
    for (let r = 0; r < 3; r++) {
      expect(y[r]!.indexOf(1)).toBe(label(5, r));
      expect(ds.testLabels()[r]).toBe(label(5, r));
      for (const [yy, xx, c] of [[0, 0, 0], [0, 1, 2], [7, 30, 1], [31, 31, 2], [16, 3, 0]] as const) {
        const want = (px(5, r, c, yy, xx) / 255 - mean[c]!) / std[c]!;
        expect(x[((r * 32 + yy) * 32 + xx) * 3 + c]).toBeCloseTo(want, 5);
      }
    }
    b.x.dispose();
    b.y.dispose();
    ds.dispose();
  });

  it('train subset of 6 spans data_batch_1 (4 records) and data_batch_2 (2 records), and every epoch visits each once', async () => {
    const ds = await loadData(spec(6, 2), input32, 5, opts(fresh('span')));
    const seen: number[] = [];
    for (let step = 0; step < 3; step++) {
      const b = ds.batch(step, 2);
      seen.push(...(await b.y.argMax(1).data()));
      b.x.dispose();
      b.y.dispose();
    }
    const want = [0, 1, 2, 3].map((r) => label(0, r)).concat([0, 1].map((r) => label(1, r)));
    expect([...seen].sort()).toEqual([...want].sort());
    ds.dispose();
  });

  it('files directly in the data dir (no cifar-10-batches-bin/) are found too', async () => {
    const ds = await loadData(spec(2, 2), input32, 5, opts(fresh('flat', false)));
    expect(ds.testLabels()[1]).toBe(label(5, 1));
    ds.dispose();
  });

  it('16×16 input averages 2×2 blocks of bytes', async () => {
    const ds = await loadData(spec(4, 1), { height: 16, width: 16, channels: 3 }, 5, opts(fresh('half')));
    const b = ds.test();
    const x = await b.x.data();
    // recover the byte from the normalized value with the (downscaled) stats is circular; compare
    // differences instead: the affine normalization preserves ratios of differences within a channel.
    const byte = (yy: number, xx: number, c: number) => Math.round((px(5, 0, c, 2 * yy, 2 * xx) + px(5, 0, c, 2 * yy, 2 * xx + 1) + px(5, 0, c, 2 * yy + 1, 2 * xx) + px(5, 0, c, 2 * yy + 1, 2 * xx + 1)) / 4);
    const at = (yy: number, xx: number, c: number) => x[(yy * 16 + xx) * 3 + c]!;
    const r1 = (at(3, 4, 1) - at(0, 0, 1)) / (at(9, 2, 1) - at(0, 0, 1));
    const r2 = (byte(3, 4, 1) - byte(0, 0, 1)) / (byte(9, 2, 1) - byte(0, 0, 1));
    expect(r1).toBeCloseTo(r2, 4);
    b.x.dispose();
    b.y.dispose();
    ds.dispose();
  });

  it('augmentation is seeded per step and each image is a flip and ≤4 px shift of its original', async () => {
    const dir = fresh('aug');
    const plain = await loadData(spec(4, 1), input32, 9, opts(dir));
    const aug = await loadData(spec(4, 1, true), input32, 9, opts(dir));
    const a1 = aug.batch(3, 4);
    const a2 = aug.batch(3, 4);
    const p = plain.batch(3, 4); // same permutation: the batch order depends on seed and step only
    const [x1, x2, xp] = await Promise.all([a1.x.data(), a2.x.data(), p.x.data()]);
    expect(Array.from(x1)).toEqual(Array.from(x2));
    expect(Array.from(x1)).not.toEqual(Array.from(xp));
    const S = 32 * 32 * 3;
    for (let k = 0; k < 4; k++) {
      let matched = false;
      for (const flip of [false, true])
        for (let dy = -4; dy <= 4 && !matched; dy++)
          for (let dx = -4; dx <= 4 && !matched; dx++) {
            let ok = true;
            for (let yy = 0; yy < 32 && ok; yy++)
              for (let xx = 0; xx < 32 && ok; xx++) {
                const sy = yy + dy;
                const sx = (flip ? 31 - xx : xx) + dx;
                for (let c = 0; c < 3; c++) {
                  const got = x1[k * S + (yy * 32 + xx) * 3 + c]!;
                  const want = sy < 0 || sy > 31 || sx < 0 || sx > 31 ? 0 : xp[k * S + (sy * 32 + sx) * 3 + c]!;
                  if (Math.abs(got - want) > 1e-6) ok = false;
                }
              }
            if (ok) matched = true;
          }
      expect(matched, `image ${k}`).toBe(true);
    }
    for (const b of [a1, a2, p]) {
      b.x.dispose();
      b.y.dispose();
    }
    plain.dispose();
    aug.dispose();
  });

  it('probeBatchFromData returns the first n held-out images', async () => {
    const ds = await loadData(spec(4, 4), input32, 5, opts(fresh('probe')));
    const before = tf.memory().numTensors;
    const x = probeBatchFromData(ds, 3);
    expect(x.shape).toEqual([3, 32, 32, 3]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const all = ds.test();
    expect(Array.from(x.dataSync())).toEqual(Array.from(all.x.dataSync()).slice(0, 3 * 32 * 32 * 3));
    tf.dispose([x, all.x, all.y]);
    ds.dispose();
  });

  it('sampleImages gives HWC bytes with their labels', async () => {
    const s = await sampleImages(spec(8, 2), input32, 5, { ...opts(fresh('samples')), count: 4 });
    expect(s.images.length).toBeGreaterThan(0);
    expect(s.images[0]!.length).toBe(32 * 32 * 3);
    expect(s.images.flat().every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(s.classNames[0]).toBe('airplane');
  });
});

describe('cifar10 bad input: InputError naming file, byte offset and fix', () => {
  const expectInputError = async (fn: () => unknown, ...parts: (string | RegExp)[]) => {
    let err: unknown;
    try {
      await fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    for (const p of parts) expect(msg).toMatch(p);
    expect(msg).toMatch(/fix: /);
  };

  it('truncated file: offset where it ends and the record it cuts', async () => {
    const dir = fresh('trunc');
    const f = path.join(dir, CIFAR_SUBDIR, 'test_batch.bin');
    fs.truncateSync(f, 3 * CIFAR_RECORD + 100);
    await expectInputError(() => loadData(spec(4, 2), input32, 1, opts(dir)), f, `byte offset ${3 * CIFAR_RECORD + 100}`, /truncated inside record 3/);
  });

  it('wrong size (extra bytes): offset where the file should end', async () => {
    const dir = fresh('long');
    const f = path.join(dir, CIFAR_SUBDIR, 'data_batch_1.bin');
    fs.appendFileSync(f, Buffer.alloc(5));
    await expectInputError(() => assertDataAvailableR(spec(4, 2), dir), f, `byte offset ${R * CIFAR_RECORD}`, /5 extra bytes/);
  });

  it('label > 9: offset of the label byte of the record', async () => {
    const dir = fresh('label');
    const f = path.join(dir, CIFAR_SUBDIR, 'data_batch_2.bin');
    const buf = fs.readFileSync(f);
    buf[2 * CIFAR_RECORD] = 12;
    fs.writeFileSync(f, buf);
    await expectInputError(() => loadData(spec(8, 2), input32, 1, opts(dir)), f, `byte offset ${2 * CIFAR_RECORD}`, /got 12/);
    // the runner's pre-check finds it too, before any run
    await expectInputError(() => assertDataAvailable(spec(8, 2), dir, { cifarRecordsPerFile: R }), f, `byte offset ${2 * CIFAR_RECORD}`, /got 12/);
  });

  it('missing file: names the file the subset needs', async () => {
    const dir = fresh('missing');
    const f = path.join(dir, CIFAR_SUBDIR, 'data_batch_2.bin');
    fs.rmSync(f);
    await expectInputError(() => loadData(spec(6, 2), input32, 1, opts(dir)), f, /missing cifar10 file/);
    // a subset inside data_batch_1 does not need it
    const ds = await loadData(spec(4, 2), input32, 1, opts(dir));
    ds.dispose();
  });

  it('empty data dir', async () => {
    const dir = path.join(root, 'empty');
    fs.mkdirSync(dir);
    await expectInputError(() => assertDataAvailable(spec(10, 10), dir), dir, /data dir is empty/);
  });

  it('data dir that does not exist, checked before any run (assertDataAvailable)', async () => {
    const dir = path.join(root, 'nope');
    await expectInputError(() => assertDataAvailable(spec(50000, 10000), dir), dir, /does not exist/, /npm run data:cifar10/);
  });

  it('real-size expectation: the default 10000-record files are required by assertDataAvailable', async () => {
    const dir = fresh('realsize');
    await expectInputError(() => assertDataAvailable(spec(100, 100), dir), `byte offset ${R * CIFAR_RECORD}`, /30730000 bytes/);
  });

  it('synthetic data needs no files', () => {
    expect(() => assertDataAvailable({ kind: 'synthetic', difficulty: 0.5, classes: 4, trainSize: 10, testSize: 10 }, path.join(root, 'nope'))).not.toThrow();
  });
});

function assertDataAvailableR(s: DataSpec, dir: string): Promise<unknown> {
  return loadData(s, input32, 1, opts(dir));
}

describe('cifar10 archive: md5 and unpacking', () => {
  it('md5 of known bytes ("abc" → 900150983cd24fb0d6963f7d28e17f72)', async () => {
    const f = path.join(root, 'abc.txt');
    fs.writeFileSync(f, 'abc');
    expect(await md5File(f)).toBe('900150983cd24fb0d6963f7d28e17f72');
    await expect(verifyMd5(f, '900150983cd24fb0d6963f7d28e17f72')).resolves.toBeUndefined();
  });

  it('the md5 check rejects a wrong archive, naming it and both digests', async () => {
    const f = path.join(root, 'cifar-10-binary.tar.gz');
    fs.writeFileSync(f, 'this is not the archive');
    const err = await verifyMd5(f, 'c32a1d4ab5d03f1284b67883e8d87530').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(f);
    expect((err as Error).message).toContain('c32a1d4ab5d03f1284b67883e8d87530');
    expect((err as Error).message).toContain(await md5File(f));
  });

  it('extractTarGz unpacks a tar.gz made by the system tar (ustar, nested dir) byte for byte', async () => {
    const src = path.join(root, 'tarsrc');
    writeSet(path.join(src, CIFAR_SUBDIR));
    fs.writeFileSync(path.join(src, CIFAR_SUBDIR, 'batches.meta.txt'), 'airplane\n');
    const archive = path.join(root, 'small.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', src, CIFAR_SUBDIR]);
    const out = path.join(root, 'tarout');
    const written = await extractTarGz(archive, (name) => (name.endsWith('.bin') ? path.join(out, path.posix.basename(name)) : null));
    expect(written.map((w) => path.basename(w)).sort()).toEqual([...FILES].sort());
    for (const name of FILES) expect(fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(path.join(src, CIFAR_SUBDIR, name)))).toBe(true);
  });

  it('an unreachable host gives a NetworkError that says how to place the files by hand', async () => {
    const err = await downloadCifar10Archive(path.join(root, 'dl'), { url: 'http://127.0.0.1:9/cifar-10-binary.tar.gz' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/network looks closed/);
    expect((err as Error).message).toMatch(/--archive FILE/);
    expect((err as Error).message).toMatch(/data_batch_1\.bin/);
  });
});
