/**
 * The user's module in a worker thread: load it, call its functions with a timeout, and start a fresh
 * worker after a call that timed out or killed the worker.
 */
import { Worker } from 'node:worker_threads';

export interface ExportInfo {
  type: string;
  arity?: number;
}

export interface Loaded {
  exports: Record<string, ExportInfo>;
  options: unknown;
}

export type CallResult = { ok: true; value: unknown } | { ok: false; error: string; timeout?: boolean };

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

export class ImplHost {
  private worker: Worker | null = null;
  private nextId = 1;

  constructor(
    readonly file: string,
    readonly timeoutMs: number,
  ) {}

  /** Starts a worker and imports the module; a load failure comes back as { error }. */
  async load(): Promise<Loaded | { error: string }> {
    this.close();
    const w = new Worker(WORKER_URL, { workerData: { file: this.file }, stdout: true, stderr: true });
    // the module's own console output would interleave with our table; drop it
    w.stdout.resume();
    w.stderr.resume();
    this.worker = w;
    // loading (transpiling a .ts module, its imports) gets at least 20 s, whatever the per-call timeout
    const limitMs = Math.max(this.timeoutMs, 20_000);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.close();
        resolve({ error: `loading took longer than ${limitMs} ms` });
      }, limitMs);
      const done = (v: Loaded | { error: string }) => {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('error', onErr);
        w.off('exit', onExit);
        resolve(v);
      };
      const onMsg = (m: { type: string; exports?: Record<string, ExportInfo>; options?: unknown; error?: string }) => {
        if (m.type === 'loaded') done({ exports: m.exports!, options: m.options });
        else if (m.type === 'load-error') done({ error: m.error! });
      };
      const onErr = (e: Error) => done({ error: `${e.name}: ${e.message}` });
      // process.exit() in a worker ends only the worker: say so now rather than wait out the limit
      const onExit = (code: number) => {
        this.worker = null;
        done({ error: `it exited with code ${code} while loading (process.exit?); a module for --impl must only define and export its functions` });
      };
      w.on('message', onMsg);
      w.on('error', onErr);
      w.on('exit', onExit);
      w.postMessage({ type: 'load' });
    });
  }

  /** Calls an export; a timeout or a dead worker is a failed call, and the next call gets a fresh worker. */
  async call(fn: string, args: unknown[]): Promise<CallResult> {
    if (this.worker === null) {
      const l = await this.load();
      if ('error' in l) return { ok: false, error: `could not restart the module: ${l.error}` };
    }
    const w = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const finish = (r: CallResult, restart: boolean) => {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('error', onErr);
        w.off('exit', onExit);
        if (restart) this.close();
        resolve(r);
      };
      const timer = setTimeout(() => finish({ ok: false, error: `took longer than ${this.timeoutMs} ms (timeout)`, timeout: true }, true), this.timeoutMs);
      const onMsg = (m: { type: string; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
        if (m.type !== 'result' || m.id !== id) return;
        finish(m.ok === true ? { ok: true, value: m.value } : { ok: false, error: m.error ?? 'failed' }, false);
      };
      const onErr = (e: Error) => finish({ ok: false, error: `crashed the worker: ${e.name}: ${e.message}` }, true);
      const onExit = (code: number) => finish({ ok: false, error: `the worker exited (code ${code})` }, true);
      w.on('message', onMsg);
      w.on('error', onErr);
      w.on('exit', onExit);
      w.postMessage({ type: 'call', id, fn, args });
    });
  }

  close(): void {
    if (this.worker !== null) {
      void this.worker.terminate();
      this.worker = null;
    }
  }
}
