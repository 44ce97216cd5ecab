import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_RECORD, CIFAR_RECORDS_PER_FILE, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from '../src/data/cifar-files.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'initbench-data-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['bin/initbench.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('initbench data cifar10', () => {
  it('unreachable host: exit 1, says the network looks closed and how to place the files, writes nothing', () => {
    const dir = path.join(root, 'offline');
    const r = cli('data', 'cifar10', '--data-dir', dir, '--url', 'http://127.0.0.1:9/cifar-10-binary.tar.gz');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/network looks closed/);
    expect(r.stderr).toContain(`${dir}/cifar-10-batches-bin/ holds data_batch_1.bin`);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('--archive with the wrong md5: exit 2 naming the file and both digests, writes nothing', () => {
    const dir = path.join(root, 'wrong');
    const archive = path.join(root, 'fake.tar.gz');
    fs.writeFileSync(archive, 'abc');
    const r = cli('data', 'cifar10', '--data-dir', dir, '--archive', archive);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${archive}: md5 900150983cd24fb0d6963f7d28e17f72 does not match the published c32a1d4ab5d03f1284b67883e8d87530`);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

function cliAsync(...args: string[]): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/initbench.js', ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

describe.concurrent('initbench data cifar10: bad --url / --archive exit 2 with one line, before anything is fetched or written', () => {
  const dir = path.join(root, 'never');
  const cases: [string, string[], string][] = [
    ['not a URL', ['--url', 'not a url'], 'initbench: --url: expected an http:// or https:// URL of cifar-10-binary.tar.gz, got "not a url"'],
    [
      'a file:// URL',
      ['--url', 'file:///tmp/cifar-10-binary.tar.gz'],
      'initbench: --url: expected an http:// or https:// URL of cifar-10-binary.tar.gz, got "file:///tmp/cifar-10-binary.tar.gz" (for a file on disk use --archive FILE)',
    ],
    ['--archive DIR', ['--archive', root], `initbench: --archive: expected the downloaded cifar-10-binary.tar.gz file, got "${root}" (that is a directory)`],
    ['--archive missing', ['--archive', path.join(root, 'nope.tar.gz')], `initbench: --archive: expected the downloaded cifar-10-binary.tar.gz file, got "${path.join(root, 'nope.tar.gz')}" (no such file)`],
  ];
  for (const [name, flags, want] of cases) {
    it(name, async () => {
      const r = await cliAsync('data', 'cifar10', '--data-dir', dir, ...flags);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(want);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
});

describe('initbench data cifar10: "already in place" checks what run checks', () => {
  it('a full-size file with a label byte of 10 is not "in place": says which byte, then fetches again', async () => {
    const dir = path.join(root, 'corrupt', 'cifar-10-batches-bin');
    fs.mkdirSync(dir, { recursive: true });
    // sparse files of the exact sizes: every label byte 0 (valid) but one
    for (const f of [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE]) {
      fs.writeFileSync(path.join(dir, f), '');
      fs.truncateSync(path.join(dir, f), CIFAR_RECORDS_PER_FILE * CIFAR_RECORD);
    }
    const bad = path.join(dir, 'data_batch_3.bin');
    const fd = fs.openSync(bad, 'r+');
    fs.writeSync(fd, Buffer.from([10]), 0, 1, 7 * CIFAR_RECORD);
    fs.closeSync(fd);
    const r = await cliAsync('data', 'cifar10', '--data-dir', path.dirname(dir), '--url', 'http://127.0.0.1:9/cifar-10-binary.tar.gz');
    expect(r.stdout).not.toContain('already in place');
    expect(r.stderr).toContain(`${bad}: byte offset ${7 * CIFAR_RECORD}: expected a label 0..9 (the first byte of record 7), got 10`);
    expect(r.stderr).toMatch(/network looks closed/);
    expect(r.status).toBe(1);
  });
});
