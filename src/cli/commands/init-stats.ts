import type { CommandModule } from 'yargs';
import type { InitAuditRow, InitSpec } from '../../core/types.ts';
import { InputError, inputError } from '../../core/errors.ts';
import { ACTIVATION_NAMES, AUDIT_SHAPE, INITIALIZER_NAMES, normalizeInitSpec } from '../../init/index.ts';
import { parseActivation, parseBackend, backendFlag, typedToken } from '../options.ts';
import { initStatsFile } from '../../results/paths.ts';
import { fmtNum, formatTable, tableWidth, wrap } from '../table.ts';

interface Args {
  init?: string;
  all: boolean;
  shape: string;
  samples?: number;
  activation: string;
  alpha?: number;
  seed: number;
  mode?: string;
  gain?: number;
  std?: number;
  limit?: number;
  value?: number;
  json: boolean;
  out: string;
  backend: string;
}

/** results/init-stats/init-stats.json: where the report of any results/NAME looks for it */
const DEFAULT_INIT_STATS_FILE = initStatsFile();

/** "3,3,64,64" → [3,3,64,64]; every dim a whole number ≥ 1. */
export function parseShape(v: unknown): number[] {
  const bad = (hint?: string): InputError =>
    inputError({ flag: 'shape', expected: 'comma-separated whole numbers ≥ 1, e.g. 3,3,64,64 (conv [kh,kw,cin,cout]) or 64,10 (dense)', got: v, ...(hint !== undefined ? { hint } : {}) });
  if (typeof v !== 'string' && typeof v !== 'number') throw bad();
  const parts = String(v).split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw bad();
  const dims = parts.map(Number);
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw bad(`dimension ${i + 1} is ${parts[i]}`);
  });
  return dims;
}

function parseSamples(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const v = typedToken('samples', raw);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1) throw inputError({ flag: 'samples', expected: 'a whole number ≥ 1 (independent draws of the shape)', got: v });
  return n;
}

function parseSeed(raw: unknown): number {
  const v = typedToken('seed', raw);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw inputError({ flag: 'seed', expected: 'a whole number in [0, 2³²)', got: v });
  return n;
}

/**
 * One row per initializer, narrow enough for 100 columns: the measured variance as its ratio to the
 * nominal one with that ratio's CI (the variances themselves, min and max are in --json).
 */
export function formatAuditTable(rows: readonly InitAuditRow[], width?: number): string {
  const R = 'right' as const;
  const columns = [
    { header: 'init' }, { header: 'K', align: R }, { header: 'nominal', align: R }, { header: 'ratio', align: R }, { header: 'ratio CI', align: R },
    { header: 'mean', align: R }, { header: 'support', align: R }, { header: '‖WᵀW−g²I‖', align: R }, { header: 'verdict' },
  ];
  const body = rows.map((r) => [
    r.init,
    String(r.samples),
    fmtNum(r.nominalVariance),
    fmtNum(r.ratio),
    r.nominalVariance > 0 ? `[${fmtNum(r.ci[0] / r.nominalVariance)}, ${fmtNum(r.ci[1] / r.nominalVariance)}]` : '-',
    fmtNum(r.mean),
    r.support === null ? 'ℝ' : r.support[0] === -r.support[1] ? `±${fmtNum(r.support[1])}` : r.support[0] === r.support[1] ? `=${fmtNum(r.support[0])}` : `[${fmtNum(r.support[0])}, ${fmtNum(r.support[1])}]`,
    fmtNum(r.orthogonalityError),
    r.verdict === 'ok' ? 'ok' : 'DEVIATES',
  ]);
  return formatTable(columns, body, width !== undefined ? { width } : {});
}

export const initStatsCommand: CommandModule<object, Args> = {
  builder: (y) =>
    y
      .option('init', { type: 'string', describe: `initializer: ${INITIALIZER_NAMES.join(', ')} (aliases: kaiming-*, glorot-*)` })
      .option('all', { type: 'boolean', default: false, describe: 'every initializer, ours and tfjs’s' })
      .option('shape', { type: 'string', default: AUDIT_SHAPE.join(','), describe: 'weight shape: conv kh,kw,cin,cout or dense in,out' })
      .option('samples', { type: 'number', describe: 'independent draws of the shape (default: enough for 200 000 entries)' })
      .option('activation', { type: 'string', default: 'relu', choices: ACTIVATION_NAMES, describe: 'the run activation (gain of orthogonal kinds)' })
      .option('alpha', { type: 'number', describe: 'leaky_relu slope / elu alpha of --activation' })
      .option('seed', { type: 'number', default: 1, describe: 'base seed (0 is fine: it maps to a fixed seed)' })
      .option('mode', { type: 'string', choices: ['fan_in', 'fan_out', 'fan_avg'], describe: 'fan mode of he/xavier/lecun/fixup' })
      .option('gain', { type: 'number', describe: 'explicit gain (> 0)' })
      .option('std', { type: 'number', describe: 'std of `normal` / tfjs:randomNormal / tfjs:truncatedNormal' })
      .option('limit', { type: 'number', describe: 'limit of `uniform` / tfjs:randomUniform' })
      .option('value', { type: 'number', describe: 'value of `constant`' })
      .option('json', { type: 'boolean', default: false, describe: 'print InitAuditRow JSON (with --all, also write --out)' })
      .option('out', { type: 'string', default: DEFAULT_INIT_STATS_FILE, describe: 'where --all --json writes its rows' })
      .option('backend', backendFlag)
      .example('$0 init-stats --init he-normal', 'draw He-normal weights of the default shape and check their moments')
      .example('$0 init-stats --init orthogonal --shape 64,64 --gain 1.5', 'a dense orthogonal matrix with a gain')
      .example('$0 init-stats --all --json', 'every initializer, written where the report reads it') as never,
  handler: async (args) => {
    const shape = parseShape(args.shape);
    const samples = parseSamples(args.samples);
    const seed = parseSeed(args.seed);
    const activation = parseActivation(args.activation, args.alpha);
    const backend = parseBackend(args.backend);
    if (args.all && args.init !== undefined) throw inputError({ flag: 'init', expected: 'either --init NAME or --all, not both', got: args.init });
    if (!args.all && args.init === undefined) throw inputError({ flag: 'init', expected: 'an initializer name (or --all)', got: undefined });
    let spec: InitSpec | null = null;
    if (args.init !== undefined) {
      const raw: Record<string, unknown> = { name: args.init };
      for (const k of ['mode', 'gain', 'std', 'limit', 'value'] as const) if (args[k] !== undefined) raw[k] = args[k];
      spec = normalizeInitSpec(raw, { flags: true });
    }
    // tfjs (the backend, the initializers' draws) and the results writer load once the flags are good
    const { readyBackend } = await import('../../backend/index.ts');
    const { auditAll, auditInitializers } = await import('../../init/audit.ts');
    const { writeFileAtomic } = await import('../../results/index.ts');
    await readyBackend(backend);
    const opts = { samples, activation, seed };
    const { rows, skipped } = spec === null ? auditAll(shape, opts) : auditInitializers([spec], shape, opts);
    // A shape an initializer cannot take: an error for --init, a skipped row for --all.
    if (spec !== null && skipped.length > 0) throw new InputError(`--init ${spec.name} with --shape ${shape.join(',')}: ${skipped[0]!.reason}`, { flag: 'shape' });
    if (args.json) {
      const text = JSON.stringify(args.all ? rows : rows[0], null, 2) + '\n';
      process.stdout.write(text);
      if (args.all) writeFileAtomic(args.out, JSON.stringify(rows, null, 2) + '\n');
    } else {
      process.stdout.write(formatAuditTable(rows));
      const methods = [...new Set(rows.map((r) => r.ciMethod))];
      process.stdout.write(`\nCI methods:\n${methods.flatMap((m) => wrap(m, tableWidth() - 2, '  ').map((l) => `  ${l}`)).join('\n')}\n`);
      const dev = rows.filter((r) => r.verdict === 'deviates');
      if (dev.length > 0) process.stdout.write(`\n${wrap(`deviating from nominal: ${dev.map((r) => `${r.init} (measured ×${fmtNum(r.ratio)})`).join(', ')}`, tableWidth(), '  ').join('\n')}\n`);
    }
    for (const s of skipped) process.stderr.write(`initbench: skipped ${s.init}: ${s.reason}\n`);
  },
};
