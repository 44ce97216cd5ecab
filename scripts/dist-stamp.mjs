// Whether dist/ was compiled from the sources as they are now. scripts/build.mjs writes the stamp;
// bin/initbench.js runs dist/ only when the stamp still matches, and the TypeScript through tsx
// otherwise, so an edit made after a build can never run as the old compiled code.
import fs from 'node:fs';
import path from 'node:path';

export const STAMP = path.join('dist', '.source-stamp');

/** Files outside src/ whose change changes what the build emits. */
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * One line per entry under src/ (files and folders) and per tsconfig: path, mtime and size. An edit,
 * a new, renamed or deleted file, or a checkout that touches a file changes it. About 150 stats: a
 * few milliseconds, cheap enough to check on every start.
 */
export function sourceFingerprint(root) {
  const src = path.join(root, 'src');
  const entries = [...fs.readdirSync(src, { recursive: true }).map((rel) => path.join('src', rel)), ...CONFIGS].sort();
  return entries
    .map((rel) => {
      const st = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
      return st === undefined ? `${rel} -` : `${rel} ${st.mtimeMs} ${st.isDirectory() ? 'dir' : st.size}`;
    })
    .join('\n') + '\n';
}

/** True when dist/ holds a complete build of the current sources. */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(root, STAMP), 'utf8');
  } catch {
    return false;
  }
  return stamp === sourceFingerprint(root);
}
