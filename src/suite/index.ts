/**
 * Suite files: read (strict UTF-8) → parse (line/column on bad JSON, duplicate keys) → validate (file: path errors) → plan.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { InputError } from '../core/errors.ts';
import { BUILTIN_DEFAULTS } from './defaults.ts';
import { planSuite, type Plan, type PlanOptions } from './plan.ts';
import { type SuitePoint, type SuiteSpec } from './schema.ts';
import { decodeUtf8, parseJsonText, validateSuiteValue } from './validate.ts';

export { planSuite, runLabel, canonicalJson, runId, QUICK, type Plan, type PlanOptions, type PlanProgress } from './plan.ts';
export { ABSURD_DEPTH, ABSURD_WIDTH, ABSURD_INPUT, MAX_PLANNED_RUNS, BUILTIN_DEFAULTS } from './defaults.ts';
export { suiteJsonSchema, suiteJsonSchemaText, SuiteSchema, ACTIVATION_NAMES, ARCH_KINDS, type SuiteSpec, type SuitePoint } from './schema.ts';
export { validateSuiteValue, parseJsonText, decodeUtf8, displayPath } from './validate.ts';

export interface LoadedSuite {
  /** path as given */
  file: string;
  /** the file's bytes as text */
  text: string;
  /** sha256 of the file's bytes */
  hash: string;
  /** parsed JSON, as written */
  source: unknown;
  suite: SuiteSpec;
  plan: Plan;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses and plans suite text; `file` names it in errors. */
export function planSuiteText(text: string, file: string, opts: Omit<PlanOptions, 'file'> = {}): Omit<LoadedSuite, 'file' | 'text' | 'hash'> {
  const source = parseJsonText(text, file);
  const suite = validateSuiteValue(source, file);
  return { source, suite, plan: planSuite(suite, { ...opts, file }) };
}

/** Reads, validates and plans a suite file. Throws InputError (exit 2) on any problem. */
export function loadSuite(file: string, opts: Omit<PlanOptions, 'file'> = {}): LoadedSuite {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: cannot read the suite file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (e as Error).message}); shipped suites are in suites/, see \`initbench list\``,
      { file },
    );
  }
  const text = decodeUtf8(bytes, file);
  return { file, text, hash: sha256(bytes), ...planSuiteText(text, file, opts) };
}

/**
 * A one-point suite (what `initbench probe` runs): `point` over the built-in defaults, repeated
 * `seeds` times, through the same validation, normalization and run ids as a suite file.
 * `file` names the source in errors, e.g. "probe flags".
 */
export function planPoint(point: SuitePoint, o: { name: string; description: string; seed: number; seeds: number; file: string }): Plan {
  const { init, ...rest } = point;
  const suite = validateSuiteValue(
    { name: o.name, description: o.description, seed: o.seed, seeds: o.seeds, defaults: rest, matrix: { init: [init ?? BUILTIN_DEFAULTS.init] } },
    o.file,
  );
  return planSuite(suite, { file: o.file });
}
