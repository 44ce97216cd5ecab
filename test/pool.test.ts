import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { WorkerPool } from '../src/pool/pool.ts';
import { poolTask } from '../src/pool/tasks.ts';

describe('worker pool', () => {
  const pool = new WorkerPool({ jobs: 2, backend: 'wasm' });
  afterAll(() => pool.close());

  it('readies a single-threaded wasm backend in each worker', async () => {
    const out = await Promise.all([pool.run(poolTask('ping', {})), pool.run(poolTask('ping', {}))]);
    for (const o of out) {
      expect(o.ok).toBe(true);
      if (o.ok) expect(o.value).toMatchObject({ backend: 'wasm', threads: 1 });
    }
  });

  it('a task that throws fails alone', async () => {
    const o = await pool.run(poolTask('ping', { crash: 'throw' }));
    expect(o).toMatchObject({ ok: false, error: { kind: 'exception', message: 'ping: asked to throw' } });
    expect((await pool.run(poolTask('ping', {}))).ok).toBe(true);
  });

  it('an InputError in a worker comes back as kind input, rebuilt as an InputError', async () => {
    const o = await pool.run(poolTask('ping', { crash: 'input' }));
    expect(o).toMatchObject({ ok: false, error: { kind: 'input', message: 'ping: asked for an input error' } });
    if (!o.ok && o.error.kind === 'input') {
      expect(o.error.inputError).toBeInstanceOf(InputError);
      expect(o.error.inputError.message).toBe('ping: asked for an input error');
    }
  });

  it('a worker that dies fails its task, and the pool goes on', async () => {
    const o = await pool.run(poolTask('ping', { crash: 'exit' }));
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error.kind).toBe('worker-crash');
    expect((await pool.run(poolTask('ping', {}))).ok).toBe(true);
  });
});
