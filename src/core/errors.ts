import { distance } from 'fastest-levenshtein';

/**
 * A problem with something the user gave us (suite file, CLI flag, data file, user module).
 * The CLI prints `message` on one line and exits 2; nothing is written after it is thrown.
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    /** e.g. `suites/x.json: matrix.depth[2]: expected integer ≥ 1, got "ten"` */
    message: string,
    readonly where: { file?: string; path?: string; flag?: string } = {},
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * The disk (or the user's quota) filled up while writing PATH. Not bad input and not a bug: the CLI
 * prints the one line and exits 1. Whatever PATH held before is left as it was.
 */
export class DiskFullError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly file: string,
    /** the bytes the write needed */
    readonly bytes: number,
    readonly code: 'ENOSPC' | 'EDQUOT' = 'ENOSPC',
  ) {
    super(`${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'}: ${file} (needed ${bytes} bytes)`);
    this.name = 'DiskFullError';
  }
}

/** Builds the canonical `file: path: expected X, got Y` message. */
export function inputError(opts: {
  file?: string;
  path?: string;
  flag?: string;
  expected: string;
  got?: unknown;
  hint?: string;
}): InputError {
  const parts: string[] = [];
  if (opts.file !== undefined) parts.push(opts.file);
  if (opts.flag !== undefined) parts.push(`--${opts.flag}`);
  if (opts.path !== undefined && opts.path !== '') parts.push(opts.path);
  let msg = `${parts.join(': ')}${parts.length > 0 ? ': ' : ''}expected ${opts.expected}`;
  if ('got' in opts) msg += `, got ${describeValue(opts.got)}`;
  if (opts.hint !== undefined) msg += ` (${opts.hint})`;
  return new InputError(msg, { file: opts.file, path: opts.path, flag: opts.flag });
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof v;
  }
}

/** Nearest known name by edit distance, when it is close enough to be a plausible typo. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** `unknown initializer "he-nromal" (did you mean "he-normal"?); known: a, b, c` */
export function unknownNameMessage(kind: string, name: string, known: readonly string[]): string {
  const near = nearest(name, known);
  return `unknown ${kind} ${JSON.stringify(name)}${near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; known: ${known.join(', ')}`;
}
