// Worker threads start as plain Node. Built (dist/), the compiled worker.js sits beside this file;
// from the sources (src/), register tsx first, then load the TypeScript worker.
import { existsSync } from 'node:fs';

const compiled = new URL('./worker.js', import.meta.url);
let mod;
if (existsSync(compiled)) {
  mod = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./worker.ts');
}
export default mod.default;
