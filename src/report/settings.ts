/**
 * What a label names. A run's "coordinates" are the settings of the suite matrix as short tokens
 * ("width 32", "no bias", "not trained"). The page states once what every run shares (its common
 * settings) and what most runs use (its reference); a chart states what its own runs share beyond that,
 * and a panel or line names only where it differs from its chart's usual run. So no label repeats a
 * setting a reader has already been told.
 */
import type { RunSpec } from '../core/types.ts';
import { groupBy, sortLabels } from './util.ts';

/**
 * Settings in display order; the initializer and the seed are never among them (colour and spread).
 * Together they cover every field of a RunSpec but id, seed and repeat, so runs of different settings
 * never share a line as if seeds.
 */
export const AXES = [
  'activation', 'depth', 'arch', 'width', 'kernel', 'padding', 'downsample', 'bias', 'head', 'input',
  'probe', 'probeAt', 'data', 'dataDetail', 'optimizer', 'lr', 'batch', 'steps', 'schedule', 'momentum',
  'weightDecay', 'warmup', 'evalEvery', 'target',
] as const;
export type Axis = (typeof AXES)[number];

/** The study's own axes: always named where they vary, never part of the page's "usual run". */
const STUDY_AXES: readonly Axis[] = ['activation', 'depth'];

export function activationLabel(spec: RunSpec): string {
  const a = spec.activation;
  return a.alpha !== undefined ? `${a.name} α=${a.alpha}` : a.name;
}

export function dataLabel(spec: RunSpec): string {
  const d = spec.data;
  if (d === null) return 'no data set';
  return d.kind === 'synthetic' ? `synthetic d=${d.difficulty}` : `cifar10 ${d.trainSize}/${d.testSize}`;
}

/**
 * A run's settings as tokens. A setting a run does not have (the learning rate of an untrained run) is
 * '': the `optimizer` ("not trained"), `probe` or `data` ("no data set") token already says so.
 */
export function coordinates(spec: RunSpec): Record<Axis, string> {
  // labels ask for a spec's tokens many times over (every chart, every panel): computed once per spec
  const cached = coordinateCache.get(spec);
  if (cached !== undefined) return cached;
  const c = tokens(spec);
  coordinateCache.set(spec, c);
  return c;
}

const coordinateCache = new WeakMap<RunSpec, Record<Axis, string>>();

function tokens(spec: RunSpec): Record<Axis, string> {
  const a = spec.arch;
  const d = spec.data;
  const t = spec.train;
  const p = spec.probe;
  return {
    activation: activationLabel(spec),
    depth: `depth ${a.depth}`,
    // a model file has none of the built-in nets' shape settings: its path names it
    arch: a.kind === 'model' ? `model ${a.path.split('/').slice(-2).join('/')}` : `${a.kind} nets`,
    width: a.kind === 'model' ? '' : `width ${a.width}`,
    kernel: a.kind === 'model' ? '' : `kernel ${a.kernel}×${a.kernel}`,
    padding: a.kind === 'model' ? '' : `padding ${a.padding}`,
    downsample: a.kind === 'model' ? '' : a.downsample.at.length === 0 ? 'no downsampling' : `${a.downsample.mode} at ${a.downsample.at.join(',')}`,
    bias: a.kind === 'model' ? '' : a.bias ? 'bias' : 'no bias',
    head: a.kind === 'model' ? '' : a.head === 'none' ? 'no head' : `${a.classes}-class head`,
    input: `input ${spec.input.height}×${spec.input.width}×${spec.input.channels}`,
    probe: p === null ? 'no probe' : `${p.source} probe σ=${p.inputStd} n=${p.batch}`,
    probeAt: p === null ? '' : p.atSteps.some((s) => s > 0) ? `probed at init and steps ${p.atSteps.filter((s) => s > 0).join(',')}` : 'probed at init only',
    data: dataLabel(spec),
    dataDetail: d === null ? '' : d.kind === 'synthetic' ? `${d.trainSize}/${d.testSize} examples` : d.augment ? 'augmented' : 'not augmented',
    optimizer: t === null ? 'not trained' : t.optimizer,
    lr: t === null ? '' : `lr ${t.lr}`,
    batch: t === null ? '' : `batch ${t.batchSize}`,
    steps: t === null ? '' : `${t.steps} steps`,
    schedule: t === null ? '' : t.schedule.kind === 'step' ? `lr ×${t.schedule.factor} every ${t.schedule.every}` : `${t.schedule.kind} lr`,
    momentum: t === null ? '' : `momentum ${t.momentum}`,
    weightDecay: t === null ? '' : `weight decay ${t.weightDecay}`,
    warmup: t === null ? '' : `warmup ${t.warmupSteps}`,
    evalEvery: t === null ? '' : `eval every ${t.evalEvery}`,
    target: t === null ? '' : `target ${t.targetAccuracy}`,
  };
}

/** Identifies one setting across seeds: the spec without its per-run fields. */
export function settingKey(spec: RunSpec): string {
  const { id: _id, seed: _seed, repeat: _repeat, ...rest } = spec;
  return JSON.stringify(rest);
}

/** Per axis, the most frequent token (ties: the first in natural order), '' included. */
function modes(coords: readonly Record<Axis, string>[]): Record<Axis, string> {
  const out = {} as Record<Axis, string>;
  for (const ax of AXES) {
    const counts = new Map<string, number>();
    for (const c of coords) counts.set(c[ax], (counts.get(c[ax]) ?? 0) + 1);
    const best = Math.max(...counts.values());
    out[ax] = sortLabels([...counts].filter(([, n]) => n === best).map(([v]) => v))[0] ?? '';
  }
  return out;
}

function varying(coords: readonly Record<Axis, string>[]): Axis[] {
  return AXES.filter((ax) => new Set(coords.map((c) => c[ax])).size > 1);
}

export interface PageSettings {
  /** every run's token on the axes where all runs agree (non-empty): the "common settings" line */
  common: string[];
  /** axes where all runs agree */
  commonAxes: Axis[];
  /** the axes that vary between runs */
  varying: Axis[];
  /** the usual run: per axis the most frequent token */
  reference: Record<Axis, string>;
  /**
   * The reference's tokens on the varying axes but activation and depth: what a chart or a label that
   * names none of them is about ("unless a label says otherwise"). Empty when those axes do not vary.
   */
  usual: string[];
}

export function pageSettings(specs: readonly RunSpec[]): PageSettings {
  const coords = specs.map(coordinates);
  const vary = varying(coords);
  const reference = modes(coords);
  const commonAxes = AXES.filter((ax) => !vary.includes(ax));
  return {
    common: commonAxes.map((ax) => reference[ax]).filter((t) => t !== ''),
    commonAxes,
    varying: vary,
    reference,
    usual: vary.filter((ax) => !STUDY_AXES.includes(ax)).map((ax) => reference[ax]).filter((t) => t !== ''),
  };
}

/** The tokens of `spec` on `axes` that differ from `ref` (a setting the run does not have is not named). */
export function differing(spec: RunSpec, ref: Record<Axis, string>, axes: readonly Axis[]): string[] {
  const c = coordinates(spec);
  return axes.filter((ax) => c[ax] !== '' && c[ax] !== ref[ax]).map((ax) => c[ax]);
}

export interface ChartScope {
  /** the axes that vary among the chart's runs and that it does not show on an axis or by colour */
  axes: Axis[];
  /**
   * What the chart's runs share beyond the page's common settings and usual run, and (for the axes that
   * vary in it) its own usual values: the chart's "these runs" line. Empty when there is nothing to add.
   */
  line: string[];
  /** true when `line` holds the usual values of axes that vary (then panels name where they differ) */
  lineHasDefaults: boolean;
  /** beside untrained runs: what the runs labelled "trained" share where they differ from the chart's usual run */
  trained: string[];
  /** panel label: the activation (when it varies), then where the run differs from the chart's usual run */
  panel(spec: RunSpec): string;
  /** the same without the activation */
  rest(spec: RunSpec): string;
}

/** Label scope of one chart: `encoded` are the axes it shows by position (e.g. depth on x). */
export function chartScope(specs: readonly RunSpec[], page: PageSettings, encoded: readonly Axis[] = []): ChartScope {
  const coords = specs.map(coordinates);
  const ref = modes(coords);
  const vary = varying(coords).filter((ax) => !encoded.includes(ax));
  const line: string[] = [];
  let lineHasDefaults = false;
  for (const ax of AXES) {
    if (encoded.includes(ax) || page.commonAxes.includes(ax) || ref[ax] === '') continue;
    const varies = vary.includes(ax);
    if (STUDY_AXES.includes(ax)) {
      // named by panels where they vary; stated once where the chart holds one value
      if (!varies) line.push(ref[ax]);
    } else if (ref[ax] !== page.reference[ax]) {
      line.push(ref[ax]);
      if (varies) lineHasDefaults = true;
    }
  }
  const restAxes = vary.filter((ax) => ax !== 'activation');
  // Beside untrained runs, trained runs are "trained": a separate study, whose settings (where they
  // differ from the chart's usual run) the chart's line states once; its panels name only how trained
  // runs differ among themselves.
  const trainedCoords = coords.filter((c) => c.optimizer !== 'not trained');
  const trainedRef = ref.optimizer === 'not trained' && trainedCoords.length > 0 ? modes(trainedCoords) : null;
  const trainedLine = trainedRef === null
    ? []
    : restAxes.filter((ax) => ax !== 'depth' && trainedRef[ax] !== '' && trainedRef[ax] !== ref[ax]).map((ax) => trainedRef[ax]);
  const rest = (spec: RunSpec) => {
    const c = coordinates(spec);
    const depth = restAxes.includes('depth') ? [c.depth] : [];
    const axes = restAxes.filter((ax) => ax !== 'depth');
    if (trainedRef !== null && c.optimizer !== 'not trained') return [...depth, 'trained', ...differing(spec, trainedRef, axes)].join(' · ');
    return [...depth, ...differing(spec, ref, axes)].join(' · ');
  };
  const withAct = vary.includes('activation');
  return {
    axes: vary,
    line,
    lineHasDefaults,
    trained: trainedLine,
    rest,
    panel: (spec) => {
      const parts = [withAct ? activationLabel(spec) : '', rest(spec)].filter((p) => p !== '');
      if (parts.length > 0) return parts.join(' · ');
      // the usual run's own panel beside others: its values where short, else a name for them
      const usual = restAxes.map((ax) => ref[ax]).filter((t) => t !== '');
      return usual.length === 0 ? 'all runs' : usual.length <= 2 ? usual.join(' · ') : 'usual settings';
    },
  };
}

/** The chart line as a subtitle sentence, or null when the chart has nothing to add to the page's lines. */
export function scopeSentence(scope: ChartScope): string | null {
  const parts = [
    scope.line.length === 0 ? '' : `${scope.lineHasDefaults || scope.trained.length > 0 ? 'These runs, unless a panel says otherwise' : 'These runs'}: ${scope.line.join(' · ')}.`,
    scope.trained.length === 0 ? '' : `“trained”: ${scope.trained.join(' · ')}.`,
  ].filter((p) => p !== '');
  return parts.length === 0 ? null : parts.join(' ');
}

/**
 * Panels of a per-layer chart: one per activation (and other differing settings), except that the
 * activations run with a single initializer each (a gain table) share one panel, their lines tagged
 * with the activation, instead of one panel of one line each.
 */
export function mergedPanels(specs: readonly RunSpec[], scope: ChartScope, initLabel: (s: RunSpec) => string): (spec: RunSpec) => { panel: string; tag: string } {
  const single = new Set<string>();
  for (const [rest, group] of groupBy(specs, (s) => scope.rest(s))) {
    const inits = new Map<string, Set<string>>();
    for (const s of group) {
      const set = inits.get(activationLabel(s)) ?? new Set<string>();
      set.add(initLabel(s));
      inits.set(activationLabel(s), set);
    }
    const singles = [...inits].filter(([, set]) => set.size === 1).map(([a]) => a);
    if (singles.length >= 2 && scope.axes.includes('activation')) for (const a of singles) single.add(`${rest}\u0000${a}`);
  }
  return (spec) => {
    const rest = scope.rest(spec);
    const act = activationLabel(spec);
    if (!single.has(`${rest}\u0000${act}`)) return { panel: scope.panel(spec), tag: '' };
    return { panel: ['one initializer per activation', rest].filter((p) => p !== '').join(' · '), tag: act };
  };
}
