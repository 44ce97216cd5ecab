#!/usr/bin/env node
// Runs the compiled dist/ when it was built from the sources as they are now (scripts/dist-stamp.mjs),
// which starts in a fraction of a second; otherwise (never built, or a source edited since the build)
// the TypeScript sources through tsx: seconds slower to start, never stale. `npm ci` builds dist/
// (the `prepare` script); after editing src/, `npm run build` brings the fast start back.
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist-stamp.mjs';

let main;
if (distIsFresh(fileURLToPath(new URL('..', import.meta.url)))) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
