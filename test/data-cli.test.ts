import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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
