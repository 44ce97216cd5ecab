// Runs a user's module for `initbench check --impl`, one call at a time, in a worker thread so that a
// call that hangs can be ended (the host terminates this worker) and one that crashes harms nothing.
// Plain JS: it has to start before tsx is registered, then tsx loads the user's .ts module.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();

let mod = null;

const errText = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

parentPort.on('message', async (msg) => {
  if (msg.type === 'load') {
    try {
      mod = await import(pathToFileURL(workerData.file).href);
      const exports = {};
      for (const [k, v] of Object.entries(mod)) exports[k] = typeof v === 'function' ? { type: 'function', arity: v.length } : { type: typeof v };
      let options;
      try {
        options = mod.options === undefined ? undefined : structuredClone(mod.options);
      } catch {
        options = '(not plain data)';
      }
      parentPort.postMessage({ type: 'loaded', exports, options });
    } catch (e) {
      parentPort.postMessage({ type: 'load-error', error: errText(e), stack: e instanceof Error ? (e.stack ?? '') : '' });
    }
    return;
  }
  if (msg.type === 'call') {
    try {
      const value = await mod[msg.fn](...msg.args);
      try {
        parentPort.postMessage({ type: 'result', id: msg.id, ok: true, value });
      } catch (e) {
        parentPort.postMessage({ type: 'result', id: msg.id, ok: false, error: `returned a value that cannot be passed back (${errText(e)})` });
      }
    } catch (e) {
      parentPort.postMessage({ type: 'result', id: msg.id, ok: false, error: `threw ${errText(e)}` });
    }
  }
});
