/**
 * Suite text → SuiteSpec, or an InputError naming the file and the JSON path of every problem:
 *   `suites/x.json: matrix.depth[2]: expected integer ≥ 1, got "ten"`
 * JSON syntax errors carry line and column; schema errors are Ajv's (allErrors), translated here.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { InputError, describeValue, unknownNameMessage } from '../core/errors.ts';
import { SuiteSchema, type SuiteSpec } from './schema.ts';

let compiled: ReturnType<Ajv['compile']> | null = null;
function validator(): ReturnType<Ajv['compile']> {
  if (compiled === null) {
    // verbose: errors carry the failing schema and data, which the messages describe.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'nameKind', schemaType: 'string' });
    compiled = ajv.compile(SuiteSchema);
  }
  return compiled;
}

/** `/matrix/depth/2` → `matrix.depth[2]`; keys that are not identifiers are quoted. */
export function displayPath(pointer: string | (string | number)[]): string {
  const parts =
    typeof pointer === 'string'
      ? pointer === ''
        ? []
        : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      : pointer.map(String);
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** JSON.parse with a `file: line L, column C: …` message on a syntax error. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const offset = m !== null ? Number(m[1]) : text.length;
    const { line, column } = lineColumn(text, offset);
    const what = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new InputError(`${file}: line ${line}, column ${column}: not valid JSON (${what})`, { file });
  }
}

type Sch = Record<string, unknown>;

/** What a schema node accepts, in words: `integer ≥ 1`, `number > 0`, `one of a, b`, … */
export function describeSchema(s: Sch): string {
  if (typeof s.expected === 'string') return s.expected;
  if (Array.isArray(s.enum)) return `one of ${(s.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if ('const' in s) return JSON.stringify(s.const);
  const t = s.type as string | undefined;
  const bounds: string[] = [];
  if (typeof s.minimum === 'number') bounds.push(`≥ ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') bounds.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') bounds.push(`≤ ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') bounds.push(`< ${s.exclusiveMaximum}`);
  switch (t) {
    case 'integer':
    case 'number':
      return [t, bounds.join(' and ')].filter((x) => x !== '').join(' ');
    case 'string':
      return typeof s.minLength === 'number' && s.minLength > 0 ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const items = s.items as Sch | undefined;
      const of = items !== undefined ? ` of ${describeSchema(items)}` : '';
      return typeof s.minItems === 'number' && s.minItems > 0 ? `a non-empty array${of}` : `an array${of}`;
    }
    case 'object':
      return 'an object';
    default:
      if (Array.isArray(s.anyOf)) return (s.anyOf as Sch[]).map(describeSchema).join(' or ');
      return 'a valid value';
  }
}

function jsType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeAccepts(s: Sch, v: unknown): boolean {
  const t = s.type as string | undefined;
  if (t === undefined) return true;
  const jt = jsType(v);
  if (t === jt) return true;
  if (t === 'number' && jt === 'integer') return true;
  // a union branch told apart by a `kind` literal: {kind: "step"} goes to the step branch only
  return false;
}

function branchMatches(s: Sch, v: unknown): boolean {
  if (!typeAccepts(s, v)) return false;
  const props = s.properties as Record<string, Sch> | undefined;
  const kind = props?.kind;
  if (kind !== undefined && 'const' in kind && v !== null && typeof v === 'object') {
    return (v as Record<string, unknown>).kind === kind.const;
  }
  return true;
}

/**
 * Narrows Ajv's errors to what a person needs: inside a union (anyOf) keep only the errors of the
 * branch the value was evidently meant for (by JSON type, or by its `kind`); if none fits, keep the
 * union's own error, described by its `expected` annotation.
 */
function narrow(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  // Outer unions first (shorter schema paths), so inner ones are judged among survivors.
  unions.sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const u of unions) {
    if (!out.includes(u)) continue;
    const branches = u.schema as Sch[];
    const matching = branches.map((b) => branchMatches(b, u.data));
    const fits = matching.filter(Boolean).length;
    const prefix = `${u.schemaPath}/`;
    // the same schema path serves every item of an array: an error is this union's only at this value
    const under = (e: ErrorObject) =>
      e.schemaPath.startsWith(prefix) && (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`));
    const inBranch = (e: ErrorObject, i: number) => e.schemaPath.startsWith(`${prefix}${i}/`);
    if (fits === 0) {
      out = out.filter((e) => e === u || !under(e));
      continue;
    }
    const keep = out.filter((e) => {
      if (!under(e)) return e !== u;
      return branches.some((_, i) => matching[i] && inBranch(e, i));
    });
    const branchErrors = keep.filter(under);
    out = branchErrors.length > 0 ? keep : [...keep, u];
  }
  return out;
}

function messageFor(e: ErrorObject): { path: string; text: string } {
  const path = displayPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Sch;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent.properties ?? {}) as object);
      return { path: displayPath(`${e.instancePath}/${key}`), text: unknownNameMessage('key', key, known) };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      const sub = ((parent.properties ?? {}) as Record<string, Sch>)[key] ?? {};
      return { path: displayPath(`${e.instancePath}/${key}`), text: `expected ${describeSchema(sub)}, got nothing` };
    }
    case 'enum': {
      if (typeof e.data === 'string') {
        const kind = typeof parent.nameKind === 'string' ? parent.nameKind : 'value';
        return { path, text: unknownNameMessage(kind, e.data, parent.enum as string[]) };
      }
      return { path, text: `expected ${describeSchema(parent)}, got ${describeValue(e.data)}` };
    }
    case 'minProperties':
      return { path, text: `expected ${describeSchema(parent)}, got an empty object` };
    case 'pattern':
    case 'minLength':
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
    case 'const':
    case 'minItems':
    case 'maxItems':
    case 'anyOf':
      return {
        path,
        text: `expected ${describeSchema(parent)}, got ${describeValue(e.data)}`,
      };
    default:
      return { path, text: `${e.message ?? 'invalid'}, got ${describeValue(e.data)}` };
  }
}

/** One line per problem, each `file: path: message`; the first line is the InputError's lead. */
export function formatProblems(file: string, problems: { path: string; text: string }[]): InputError {
  const lines = problems.slice(0, 20).map((p) => `${file}: ${p.path === '' ? '' : `${p.path}: `}${p.text}`);
  if (problems.length > 20) lines.push(`… and ${problems.length - 20} more`);
  const first = problems[0];
  return new InputError(lines.join('\n'), { file, path: first?.path });
}

/** Validates parsed JSON against the suite schema; throws InputError listing every problem. */
export function validateSuiteValue(value: unknown, file: string): SuiteSpec {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${file}: expected a suite object, got ${describeValue(value)}`, { file });
  }
  const validate = validator();
  if (validate(value)) return value as SuiteSpec;
  const errs = narrow(validate.errors ?? []);
  const seen = new Set<string>();
  const problems: { path: string; text: string }[] = [];
  for (const e of errs) {
    const p = messageFor(e);
    const key = `${p.path}|${p.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  throw formatProblems(file, problems);
}
