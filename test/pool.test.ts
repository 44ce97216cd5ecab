import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/run/pool.ts';

describe('worker pool', () => {
  const pool = new WorkerPool({ jobs: 2, backend: 'wasm' });
  afterAll(() => pool.close());

  it('readies a single-threaded wasm backend in each worker', async () => {
    const out = await Promise.all([pool.run<{ backend: string; threads: number }>({ kind: 'ping' }), pool.run({ kind: 'ping' })]);
    for (const o of out) {
      expect(o.ok).toBe(true);
      if (o.ok) expect(o.value).toMatchObject({ backend: 'wasm', threads: 1 });
    }
  });

  it('a task that throws fails alone', async () => {
    const o = await pool.run({ kind: 'ping', crash: 'throw' });
    expect(o).toMatchObject({ ok: false, error: { kind: 'exception', message: 'ping: asked to throw' } });
    expect((await pool.run({ kind: 'ping' })).ok).toBe(true);
  });

  it('a worker that dies fails its task, and the pool goes on', async () => {
    const o = await pool.run({ kind: 'ping', crash: 'exit' });
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error.kind).toBe('worker-crash');
    expect((await pool.run({ kind: 'ping' })).ok).toBe(true);
  });
});
