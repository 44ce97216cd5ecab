/**
 * The one terminal table of every command (bench's headline, probe, init-stats, check): it fits the
 * terminal (or 100 columns when stdout is not one), prints only the columns that vary with the common
 * settings once above, and formats numbers with one `fmtNum`.
 */

/** Width when stdout is not a terminal (a pipe, a file, a CI log). */
export const DEFAULT_TABLE_WIDTH = 100;
/** No column is cut narrower than this (a cut cell ends in '…'). */
const MIN_COL = 6;

/** The width a table may take: the terminal's columns, or DEFAULT_TABLE_WIDTH when stdout is not a terminal. */
export function tableWidth(): number {
  return process.stdout.isTTY === true && (process.stdout.columns ?? 0) > 0 ? process.stdout.columns : DEFAULT_TABLE_WIDTH;
}

/** Every measured number in every table: 4 significant digits in [1e-3, 1e4), else 2-digit exponent; '-' for none. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e4 ? x.toPrecision(4) : x.toExponential(2);
}

export interface TableColumn {
  header: string;
  /** numbers right, names left (default) */
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** default tableWidth() */
  width?: number;
  /** a line printed under row i, indented and wrapped (check's failure details); null for none */
  notes?: readonly (string | null)[];
  /** lines above the table (a title); wrapped to the width like the settings line */
  title?: readonly string[];
}

function cut(s: string, w: number): string {
  return s.length <= w ? s : w <= 1 ? s.slice(0, w) : s.slice(0, w - 1) + '…';
}

/** Words of `text` on lines of at most `width` characters, later lines indented by `indent`; a longer word is cut. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((x) => x !== '')) {
    const lead = out.length === 0 ? '' : indent;
    const next = line === '' ? lead + word : `${line} ${word}`;
    if (next.length <= width) {
      line = next;
      continue;
    }
    if (line !== '') out.push(line);
    line = cut((out.length === 0 ? '' : indent) + word, width);
  }
  if (line !== '') out.push(line);
  return out;
}

/**
 * rows → text no line of which is wider than the width. With more than one row, a column whose cells
 * are all the same goes to a "header value, …" settings line above the table; then the widest
 * left-aligned (text) columns are cut, then any, until the table fits.
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const width = Math.max(MIN_COL * 2, opts.width ?? tableWidth());
  const varies = columns.map((_, j) => rows.length <= 1 || rows.some((r) => r[j] !== rows[0]![j]));
  const shown = columns.map((c, j) => ({ ...c, j })).filter((c) => varies[c.j]);
  const common = columns.map((c, j) => ({ c, j })).filter(({ j }) => !varies[j]).map(({ c, j }) => `${c.header} ${rows[0]![j]}`);
  const lines: string[] = [];
  for (const t of opts.title ?? []) lines.push(...wrap(t, width, '  '));
  if (common.length > 0) lines.push(...wrap(`all rows: ${common.join(', ')}`, width, '  '));
  const widths = shown.map((c) => Math.max(c.header.length, ...rows.map((r) => (r[c.j] ?? '').length)));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, widths.length - 1);
  // cut text columns first: a cut name still reads, a cut number does not
  for (const pass of ['left', 'any'] as const) {
    while (total() > width) {
      let k = -1;
      widths.forEach((w, i) => {
        const ok = pass === 'any' || (shown[i]!.align ?? 'left') === 'left';
        if (ok && w > MIN_COL && (k < 0 || w > widths[k]!)) k = i;
      });
      if (k < 0) break;
      // down to the next widest cuttable column at most, so two long text columns share the cut
      // (cutting one by the whole excess left a setting column unreadable beside a long outcome)
      const next = Math.max(MIN_COL, ...widths.map((w, i) => (i !== k && (pass === 'any' || (shown[i]!.align ?? 'left') === 'left') ? w : 0)));
      widths[k] = Math.max(MIN_COL, widths[k]! - (total() - width), Math.min(widths[k]! - 1, next));
    }
  }
  // still too wide (many columns): the last ones go, said in the settings line's place
  let keep = widths.length;
  while (keep > 1 && widths.slice(0, keep).reduce((a, b) => a + b, 0) + 2 * (keep - 1) > width) keep--;
  const line = (cells: readonly string[]): string =>
    cut(
      shown
        .slice(0, keep)
        .map((c, i) => {
          const v = cut(cells[c.j] ?? '', widths[i]!);
          return c.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
        })
        .join('  ')
        .trimEnd(),
      width,
    );
  if (keep < shown.length) lines.push(...wrap(`(${shown.slice(keep).map((c) => c.header).join(', ')} left out: wider than ${width} columns; see --json)`, width, '  '));
  const rule = columns.map(() => '');
  shown.forEach((c, i) => (rule[c.j] = '─'.repeat(widths[i]!)));
  lines.push(line(columns.map((c) => c.header)), line(rule));
  rows.forEach((r, i) => {
    lines.push(line(r));
    const note = opts.notes?.[i];
    if (note !== null && note !== undefined) lines.push(...wrap(note, width - 4).map((l) => `    ${l}`));
  });
  return lines.join('\n') + '\n';
}
