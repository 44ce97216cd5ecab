/**
 * Fetching CIFAR-10: download the official binary archive, check its published md5, unpack it with
 * node's zlib and the small tar reader below (no dependency for ~60 lines of format).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { InputError, inputError } from '../core/errors.ts';
import { CIFAR_SUBDIR, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from './cifar-files.ts';

export const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR_ARCHIVE = 'cifar-10-binary.tar.gz';

/** The network could not be reached; the message says how to place the files by hand. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

export async function md5File(file: string): Promise<string> {
  const h = crypto.createHash('md5');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

/** --url: an http(s) URL (anything else is an InputError naming the flag); returns it normalized. */
export function parseDownloadUrl(v: string): string {
  const expected = 'an http:// or https:// URL of cifar-10-binary.tar.gz';
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw inputError({ flag: 'url', expected, got: v });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw inputError({ flag: 'url', expected, got: v, hint: u.protocol === 'file:' ? 'for a file on disk use --archive FILE' : `${u.protocol} is not fetched` });
  }
  return u.href;
}

/** --archive FILE: an existing regular file (a directory or a missing path is an InputError naming the flag). */
export function assertArchiveFile(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st === undefined || !st.isFile()) {
    throw inputError({ flag: 'archive', expected: 'the downloaded cifar-10-binary.tar.gz file', got: file, hint: st === undefined ? 'no such file' : st.isDirectory() ? 'that is a directory' : 'not a regular file' });
  }
}

/** Throws an InputError naming the file and both digests unless its md5 is `expected`. */
export async function verifyMd5(file: string, expected: string): Promise<void> {
  const got = await md5File(file);
  if (got !== expected.toLowerCase()) {
    throw new InputError(
      `${file}: md5 ${got} does not match the published ${expected}; the archive is incomplete or not ` +
        `cifar-10-binary.tar.gz (fix: delete it and download again from ${CIFAR_URL})`,
      { file },
    );
  }
}

/**
 * Streams a .tar.gz, writing each regular file for which `target(name)` returns a path.
 * Handles ustar prefixes and GNU long names; skips pax headers, links and directories.
 * Files are written as `<path>.part` and renamed when complete. Returns the paths written.
 */
export async function extractTarGz(archive: string, target: (name: string) => string | null): Promise<string[]> {
  const written: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let cur: { remaining: number; pad: number; out: string | null; chunks: Buffer[]; longName: boolean } | null = null;
  let nextName: string | null = null;
  let ended = false;

  const finish = (c: NonNullable<typeof cur>): void => {
    const body = Buffer.concat(c.chunks);
    if (c.longName) {
      nextName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if (c.out !== null) {
      fs.mkdirSync(path.dirname(c.out), { recursive: true });
      fs.writeFileSync(c.out + '.part', body);
      fs.renameSync(c.out + '.part', c.out);
      written.push(c.out);
    }
  };

  const consume = (): void => {
    for (;;) {
      if (ended) return;
      if (cur !== null) {
        if (cur.remaining > 0) {
          if (pending.length === 0) return;
          const take = Math.min(cur.remaining, pending.length);
          if (cur.out !== null || cur.longName) cur.chunks.push(pending.subarray(0, take));
          pending = pending.subarray(take);
          cur.remaining -= take;
          continue;
        }
        if (pending.length < cur.pad) return;
        pending = pending.subarray(cur.pad);
        finish(cur);
        cur = null;
        continue;
      }
      if (pending.length < 512) return;
      const h = pending.subarray(0, 512);
      pending = pending.subarray(512);
      if (h.every((b) => b === 0)) {
        ended = true;
        return;
      }
      const str = (a: number, n: number): string => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
      const size = parseInt(str(124, 12).trim() || '0', 8);
      if (!Number.isFinite(size)) throw new InputError(`${archive}: not a tar archive (bad size field in a header)`, { file: archive });
      const type = String.fromCharCode(h[156]!);
      const prefix = str(345, 155);
      let name = prefix !== '' ? `${prefix}/${str(0, 100)}` : str(0, 100);
      if (nextName !== null && type !== 'L') {
        name = nextName;
        nextName = null;
      }
      const regular = type === '0' || type === '\0';
      cur = {
        remaining: size,
        pad: (512 - (size % 512)) % 512,
        out: regular ? target(name) : null,
        chunks: [],
        longName: type === 'L',
      };
    }
  };

  await pipeline(
    fs.createReadStream(archive),
    zlib.createGunzip(),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        try {
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          consume();
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    }),
  ).catch((e: Error) => {
    if (e instanceof InputError) throw e;
    throw new InputError(`${archive}: cannot unpack (${e.message}); fix: delete it and download again from ${CIFAR_URL}`, {
      file: archive,
    });
  });
  if (cur !== null) throw new InputError(`${archive}: tar archive ends inside a file; fix: download it again`, { file: archive });
  return written;
}

const WANTED = new Set<string>([...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE, 'batches.meta.txt', 'readme.html']);

/** Unpacks a checked archive into DIR/cifar-10-batches-bin/. */
export async function unpackCifar10(archive: string, dataDir: string): Promise<string[]> {
  assertArchiveFile(archive);
  await verifyMd5(archive, CIFAR_MD5);
  const dest = path.join(dataDir, CIFAR_SUBDIR);
  return extractTarGz(archive, (name) => {
    const base = path.posix.basename(name);
    return WANTED.has(base) ? path.join(dest, base) : null;
  });
}

export function manualHint(dataDir: string): string {
  return (
    `download ${CIFAR_URL} on a machine with network access (md5 ${CIFAR_MD5}) and either run ` +
    `\`initbench data cifar10 --archive FILE --data-dir ${dataDir}\`, or unpack it yourself so that ` +
    `${path.join(dataDir, CIFAR_SUBDIR)}/ holds data_batch_1.bin … data_batch_5.bin and test_batch.bin`
  );
}

/**
 * Downloads the archive to DIR/cifar-10-binary.tar.gz (via a .part file, hashing as it streams),
 * unless a copy with the right md5 is already there. Throws NetworkError when the host is unreachable.
 */
export async function downloadCifar10Archive(
  dataDir: string,
  opts: { url?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const url = parseDownloadUrl(opts.url ?? CIFAR_URL);
  const log = opts.log ?? (() => {});
  const file = path.join(dataDir, CIFAR_ARCHIVE);
  if (fs.existsSync(file) && (await md5File(file)) === CIFAR_MD5) {
    log(`${file}: already downloaded, md5 ok`);
    return file;
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new NetworkError(
      `cannot reach ${new URL(url).host} (${cause?.code ?? cause?.message ?? (e as Error).message}): the network looks closed here. ` +
        `To place the files by hand: ${manualHint(dataDir)}`,
    );
  }
  if (!res.ok || res.body === null) {
    throw new NetworkError(`GET ${url}: HTTP ${res.status}. To place the files by hand: ${manualHint(dataDir)}`);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const total = Number(res.headers.get('content-length') ?? 0);
  let got = 0;
  let lastLog = 0;
  const part = file + '.part';
  const h = crypto.createHash('md5');
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (c: Buffer) => {
    h.update(c);
    got += c.length;
    if (Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      log(`downloading ${(got / 1e6).toFixed(0)}${total > 0 ? ` / ${(total / 1e6).toFixed(0)}` : ''} MB`);
    }
  });
  try {
    await pipeline(body, fs.createWriteStream(part));
  } catch (e) {
    throw new NetworkError(`download of ${url} broke off after ${got} bytes (${(e as Error).message}); run it again`);
  }
  const digest = h.digest('hex');
  if (digest !== CIFAR_MD5) {
    fs.rmSync(part, { force: true });
    throw new InputError(`${url}: downloaded ${got} bytes with md5 ${digest}, not the published ${CIFAR_MD5}; nothing was kept (fix: try again, or ${manualHint(dataDir)})`);
  }
  fs.renameSync(part, file);
  return file;
}
