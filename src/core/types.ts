/**
 * The types that carry the one-way flow: suite → plan (RunSpec[]) → run → RunRecord → report.
 * Type-only module: every room may import it; it imports nothing and has no runtime code.
 * A SuiteSpec (what a person wrote) lives in src/suite/; this is the normalized side.
 */

export type BackendName = 'node' | 'node-gpu' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export type ActivationName =
  | 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid' | 'selu' | 'elu' | 'gelu' | 'swish';

/** Normalized activation: `alpha` is the leaky_relu slope or the elu alpha, else absent. */
export interface ActivationSpec {
  name: ActivationName;
  alpha?: number;
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';

/**
 * Normalized initializer spec. `name` is canonical (aliases resolved by src/init), e.g.
 * 'he-normal', 'orthogonal', 'lsuv', 'tfjs:heNormal', 'tfjs:default'.
 * Option fields are only present where the initializer reads them.
 */
export interface InitSpec {
  name: string;
  mode?: FanMode;
  /** explicit gain; when absent, looked up from `activation` (or the run's activation) */
  gain?: number;
  /** activation whose gain is used, e.g. 'relu' or 'leaky_relu' */
  activation?: ActivationName;
  /** leaky_relu slope / elu alpha for the gain lookup */
  alpha?: number;
  /** `normal` control, and the base distribution width where relevant */
  std?: number;
  /** `uniform` control: U(-limit, limit) */
  limit?: number;
  /** `constant` control */
  value?: number;
  /** lsuv: stop when |std−1| < tol */
  tol?: number;
  /** lsuv: at most this many rescale passes per layer */
  maxIter?: number;
}

export type LayerRole = LayerInit['role'];

/** What an initializer is told about the layer whose kernel it draws. */
export interface LayerInit {
  index: number;
  /** 'conv3', 'head' */
  name: string;
  kind: 'conv' | 'dense';
  /** conv [kh,kw,cin,cout], dense [in,out] */
  shape: number[];
  role: 'stem' | 'plain' | 'branch-first' | 'branch-last' | 'head';
  /** residual blocks in the net, for fixup (0 if not residual) */
  residualBlocks: number;
  /** non-zero, derived per layer by the caller */
  seed: number;
}

/**
 * Architectures. The tfjs model (src/model) and the reference model (src/reference) both implement
 * exactly these semantics, so whole-model cross-checks compare like with like.
 *
 * Layer names (tfjs layer names, and the keys of weight maps `conv3/kernel`, `bn3/gamma`, `head/kernel`):
 *   conv{i}  i = 1..depth, kernel [k,k,cin,width], bias [width] when arch.bias
 *   bn{i}    BatchNormalization after conv{i} (gamma=1, beta=0, epsilon=1e-3, momentum=0.99, training-mode
 *            batch statistics with the biased variance during training and probing)
 *   act{i}   the activation after conv{i} (after bn{i} when present)
 *   pool{i}  2×2 stride-2 max/avg pool after act{i}, when i ∈ downsample.at and mode is a pool
 *   add{b}   residual sum of block b
 *   gap, head  global average pool, then Dense(classes) with bias, no activation (logits)
 *
 * 'plain':       x → [conv_i → act_i → pool_i?] for i = 1..depth
 * 'batchnorm':   as plain with bn_i between conv_i and act_i
 * 'residual':    conv_1 → act_1 (stem), then blocks b = 1..(depth−1)/2 of two convs i = 2b, 2b+1:
 *                h = act_{2b}(conv_{2b}(x)); y = conv_{2b+1}(h); x ← act_{2b+1}(x + y)   (depth odd, ≥ 3)
 *                downsampling in residual nets only by pooling after a block's output (or the stem).
 * 'residual-bn': as residual with bn after every conv (bn_{2b+1} before the add).
 * Stride downsampling (mode 'stride'): conv_i has stride 2 for i ∈ downsample.at.
 * Padding 'same' pads with zeros as tfjs does (extra row/col at the bottom/right when odd).
 * The pre-activation of layer i is the tensor fed to act_i (for a residual block's second conv: x + y).
 */
export type ArchKind = 'plain' | 'batchnorm' | 'residual' | 'residual-bn';
export type DownsampleMode = 'stride' | 'maxpool' | 'avgpool';

export interface ArchSpec {
  kind: ArchKind;
  /** number of conv layers (the stem counts; residual blocks hold 2 each) */
  depth: number;
  /** channels of every conv layer */
  width: number;
  /** square kernel size */
  kernel: number;
  padding: 'same' | 'valid';
  bias: boolean;
  /** 1-based conv layer indices at which the spatial size halves, and how */
  downsample: { at: number[]; mode: DownsampleMode };
  /** global-average-pool then a dense classifier, or nothing (probe-only nets) */
  head: 'gap-dense' | 'none';
  classes: number;
}

/**
 * A suite's own model in place of a built-in architecture (suite syntax `"arch": {"kind": "model", "path": …}`):
 * a tfjs Layers model file (model.json + weights, a Keras-converted one, or a topology alone), read by
 * src/usermodel. Every conv/dense kernel is re-initialized by the run's init; layers keep their names in the
 * model. The built-in fields other than depth (width, kernel, padding, bias, downsample, head, classes) do not apply.
 */
export interface ModelArchSpec {
  kind: 'model';
  /**
   * The model file as the suite names it, relative to the suite file's directory (posix separators,
   * normalized) or absolute: the record stays the same wherever the checkout lies. The runner resolves it
   * against the suite file's directory.
   */
  path: string;
  /** sha256 over model.json's bytes, then each weight file's (src/usermodel UserTopology.contentHash): in the run id */
  hash: string;
  /** [height, width, channels], without the batch axis; RunSpec.input equals it */
  inputShape: number[];
  /** the output without the batch axis, e.g. [10] */
  outputShape: number[];
  /** the model's conv layers (Conv2D, DepthwiseConv2D, SeparableConv2D), counted as ArchSpec.depth counts them */
  depth: number;
}

/** A run's architecture: a built-in net, or a model file. */
export type RunArchSpec = ArchSpec | ModelArchSpec;

export interface InputSpec {
  height: number;
  width: number;
  channels: number;
}

export interface ProbeSpec {
  /** examples in the probe batch */
  batch: number;
  /** Gaussian noise of variance inputStd² per pixel, or a batch of the run's data */
  source: 'gaussian' | 'data';
  inputStd: number;
  /** training steps at which to probe again (0 = at init, always done) */
  atSteps: number[];
  /**
   * Measure the correlation map (LayerProbe.correlation, ProbeResult.correlation) on `pairs` pairs of
   * Gaussian inputs (std inputStd) whose entries correlate by `inputCorrelation`. Absent = off.
   */
  correlation?: { pairs: number; inputCorrelation: number };
  /**
   * Measure the Jacobian spectrum at init (ProbeResult.jacobian): 'exact' singular values, or the first two
   * moments of JJᵀ's spectrum from `projections` random projections ('projection' only). Absent = off.
   */
  jacobian?: { method: 'exact' | 'projection'; projections?: number };
}

/**
 * The conv layers' bias initializer (when ArchSpec.bias; the head's bias is always zero). The theory's
 * σ_b² is Var(b): std² for 'normal', 0 for 'zeros'. A 'constant' bias is a shift of every pre-activation's
 * mean, not a variance: the zero-mean mean-field theory does not describe it, so such runs get no theory.
 */
export type BiasInitSpec = { init: 'zeros' } | { init: 'normal'; std: number } | { init: 'constant'; value: number };

export type DataSpec =
  | {
      kind: 'synthetic';
      /** 0 = trivially separable, 1 = hard; see src/data/synthetic.ts */
      difficulty: number;
      classes: number;
      trainSize: number;
      testSize: number;
    }
  | {
      kind: 'cifar10';
      /** number of training / held-out images used (≤ 50000 / 10000) */
      trainSize: number;
      testSize: number;
      augment: boolean;
    };

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'cosine' };

export interface TrainSpec {
  optimizer: 'sgd' | 'momentum' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: LrSchedule;
  /** linear warm-up steps before the schedule (0 = none) */
  warmupSteps: number;
  batchSize: number;
  steps: number;
  evalEvery: number;
  /** held-out accuracy that counts as "reached" for time-to-target */
  targetAccuracy: number;
}

/** One fully normalized run: every default applied, explicit non-zero seed, stable id. */
export interface RunSpec {
  /** hash of the normalized spec (all fields but id) */
  id: string;
  suite: string;
  /** non-zero, derived from the suite seed and the run's coordinates */
  seed: number;
  /** repeat index 0..seeds-1 */
  repeat: number;
  init: InitSpec;
  activation: ActivationSpec;
  arch: RunArchSpec;
  input: InputSpec;
  probe: ProbeSpec | null;
  data: DataSpec | null;
  train: TrainSpec | null;
  /** the conv biases' initializer; absent = zeros (never written as { init: 'zeros' }, so run ids stay) */
  bias?: BiasInitSpec;
}

/** A run over a built-in net (every ArchSpec field applies), as opposed to a model file's run. */
export type BuiltinRunSpec = RunSpec & { arch: ArchSpec };

/** Moments of a tensor's entries; null where not measurable (e.g. empty). */
export interface Moments {
  mean: number | null;
  variance: number | null;
  secondMoment: number | null;
}

export interface LayerTheory {
  /** predicted pre-activation variance (mean-field, padding-aware) */
  preVariance: number | null;
  /** predicted variance of the gradient wrt pre-activations */
  gradPreVariance: number | null;
  /** finite-width band for preVariance (Hanin & Rolnick), e.g. ±2σ of ln‖z‖² mapped back */
  preVarianceBand: [number, number] | null;
  /**
   * Mean-field signal propagation at this conv layer's σ_w² (plain nets only; null for the head, batch-norm
   * and residual nets). Absent in records written before it was added.
   */
  meanField?: MeanFieldTheory | null;
}

/**
 * Infinite-width signal propagation (Poole et al. 2016; Schoenholz et al. 2017) through a plain net whose
 * every layer had σ_w² = fan_in·Var(W) and zero bias variance, ignoring padding.
 */
export interface MeanFieldTheory {
  sigmaW2: number;
  /** fixed point of the length map q ↦ σ_w²·E[φ(√q z)²] reached from q = 1; null when q grows without bound */
  qStar: number | null;
  /** σ_w²·E[φ′(√q* z)²]: the per-layer factor on correlations' distance from 1 and on gradient variance */
  chi1: number | null;
  /** 1/|ln χ₁| layers; null at χ₁ = 1 (infinite: theory's Infinity, which JSON cannot hold) or without a fixed point */
  depthScale: number | null;
  /** false: the map still moved after 5000 steps; values are where it stopped */
  converged: boolean;
  /** dq_{l+1}/dq_l at q*; null without a fixed point. Absent in records written before it was added */
  slope?: number | null;
  /**
   * |slope| < 1: q* attracts; false: it repels (gelu and swish at their variance-preserving gains: slope 1.144,
   * 1.173 — q* = 1 only because the gain put it there); null: marginal (relu σ_w² = 2, σ_b = 0) or no q*
   */
  stable?: boolean | null;
  /** where the length map settles from q*·(1 − 1e-3) and q*·(1 + 1e-3); null entries: it grows without bound */
  perturbed?: [number | null, number | null] | null;
}

export interface LayerProbe {
  /** 1-based layer index in forward order */
  index: number;
  name: string;
  kind: 'conv' | 'dense';
  fanIn: number;
  fanOut: number;
  /** output spatial size [h, w] (1,1 for dense) */
  spatial: [number, number];
  pre: Moments;
  post: Moments;
  /** fraction of units whose post-activation is exactly 0 on every example of the batch */
  deadFraction: number | null;
  /** fraction of post-activations in the saturated region (|tanh|>0.99, sigmoid<0.01 or >0.99), else null */
  saturatedFraction: number | null;
  /** gradient wrt pre-activations, backward from a unit-variance Gaussian cotangent at the top */
  gradPre: Moments;
  gradWeight: Moments;
  theory: LayerTheory;
  /**
   * Signal-propagation statistics per channel (Brock et al. 2021). Every layer, the head included.
   * Absent in records written before they were added.
   */
  signal?: SignalStats;
  /**
   * Histograms of pre, post and gradPre, on a bounded subset of layers so a record's size does not grow with
   * depth: at most 12 conv layers (src/probe HIST_MAX_LAYERS), evenly spaced, always the first and the last
   * (src/probe histogramLayers); null on the other layers and the head. Absent in records written before
   * they were added.
   */
  histograms?: LayerHistograms | null;
  /**
   * Correlation between paired inputs' pre-activations at this conv layer (ProbeSpec.correlation; null on
   * the head). Estimator and standard error: src/probe/correlation.ts. `theory` is the mean-field c-map's
   * trajectory from the input correlation. Absent when the probe did not ask for it.
   */
  correlation?: { measured: number | null; stderr: number | null; theory: number | null } | null;
}

/**
 * A tensor's per-channel statistics, averaged over its channels, as in Brock et al. 2021 ("Characterizing
 * signal propagation to close the performance gap in unnormalized ResNets", signal-propagation plots).
 * The channel is the last axis (conv [N,H,W,C]; the head's logits [N,classes]); μ_c and σ²_c are the mean
 * and biased variance of channel c over every other axis. sqMean + variance = Moments.secondMoment.
 */
export interface ChannelStats {
  /** average channel squared mean: mean over c of μ_c² */
  sqMean: number | null;
  /** average channel variance: mean over c of σ²_c */
  variance: number | null;
}

export interface SignalStats {
  pre: ChannelStats;
  post: ChannelStats;
  /**
   * Residual nets only: the residual branch's output y, before the add, of the block whose sum x + y is this
   * layer's pre-activation (layer 2b+1 of block b; y is after bn_{2b+1} in residual-bn). Brock et al.'s
   * residual-branch variance is `branch.variance`. null on every other layer and in nets without skips.
   * (For the block outputs Brock et al. plot, take `post` of layers 1, 3, 5, ….)
   */
  branch: ChannelStats | null;
}

/** A layer's histograms (see Histogram); each is null when its tensor's mean or std is not finite. */
export interface LayerHistograms {
  pre: Histogram | null;
  post: Histogram | null;
  /** the gradient wrt the pre-activation (the same backward pass as LayerProbe.gradPre) */
  gradPre: Histogram | null;
}

/**
 * Fixed bins over one tensor's entries (every example, position and channel of the probe batch), in units
 * of the tensor's own spread: u = (x − center)/scale with center = its mean and scale = its standard
 * deviation (biased), both measured on the batch in float32 (so equal to Moments.mean and √variance).
 * counts.length equal bins (40 in src/probe) cover lo ≤ u < hi (−4 ≤ u < 4, width 0.2): bin k holds
 * lo + k·w ≤ u < lo + (k+1)·w, w = (hi − lo)/counts.length (up to float32 rounding of an entry on an edge).
 * Integer counts that partition the entries:
 * under + Σ counts + over + zeros = total. Entries exactly 0 (ReLU's point mass) are counted in `zeros` and
 * in no bin. (A NaN or ±Infinity entry makes the mean non-finite: no histogram then, see LayerHistograms.)
 * Shapes in u are scale-free: a Xavier-ReLU net whose variance halves per layer looks the same at every
 * layer. To see it collapse toward 0, draw values: bin k spans x from center + scale·(lo + k·w) to
 * center + scale·(lo + (k+1)·w).
 */
export interface Histogram {
  center: number;
  scale: number;
  lo: number;
  hi: number;
  counts: number[];
  /** entries with u < lo (zeros aside) */
  under: number;
  /** entries with u ≥ hi (zeros aside) */
  over: number;
  /** entries exactly 0 */
  zeros: number;
  /** entries of the tensor */
  total: number;
}

export interface ProbeResult {
  /** training step at which this probe was taken (0 = init) */
  step: number;
  input: { source: 'gaussian' | 'data'; std: number; batch: number };
  cotangent: 'unit-gaussian';
  layers: LayerProbe[];
  summary: {
    /** geometric-mean ratio of pre-activation variance per layer, layers 2..L */
    perLayerRatio: number | null;
    theoryPerLayerRatio: number | null;
    /** pre-activation variance of the last conv layer over that of the first */
    lastOverFirst: number | null;
    theoryLastOverFirst: number | null;
  };
  /**
   * The correlation map's fixed point c*, χ_c and depth scale ξ_c (theory; null where it does not apply,
   * ξ_c also null when infinite, i.e. χ_c = 1), and ξ_c measured from the per-layer decay of ln|c_l − c*|
   * with its standard error; `fit` says which layers and how (src/probe/correlation.ts).
   * Absent when the probe did not ask for it.
   */
  correlation?: {
    cStar: number | null;
    chiC: number | null;
    xiTheory: number | null;
    xiMeasured: number | null;
    xiStderr: number | null;
    fit: string;
  } | null;
  /**
   * The Jacobian's spectrum at init (src/probe/jacobian.ts): `output` names the map; moments of the
   * eigenvalues s² of JJᵀ (mean and variance), exact or from random projections with standard errors,
   * beside the free-probability theory (Pennington et al. 2017). Absent when the probe did not ask for it.
   */
  jacobian?: {
    method: 'exact' | 'projection';
    output: string;
    singularValues: number[] | null;
    meanS2: number;
    meanS2Stderr: number | null;
    varS2: number;
    varS2Stderr: number | null;
    theory: { meanS2: number; varS2: number } | null;
  } | null;
}

export interface LossPoint {
  step: number;
  loss: number;
}

export interface EvalPoint {
  step: number;
  accuracy: number;
  loss: number;
  /** L2 norm of each trainable weight's gradient on the last batch, in layer order */
  gradNorms: number[];
  weightNorms: number[];
}

export interface TrainResult {
  stepsDone: number;
  losses: LossPoint[];
  evals: EvalPoint[];
  finalAccuracy: number | null;
  finalLoss: number | null;
  bestAccuracy: number | null;
  chance: number;
  wallMs: number;
  imagesPerSec: number;
  /** ms until held-out accuracy first reached targetAccuracy, null if never */
  timeToTargetMs: number | null;
  stepsToTarget: number | null;
  /** probes taken during training (ProbeSpec.atSteps > 0) */
  probes: ProbeResult[];
  /**
   * The trainable weight each entry of EvalPoint.gradNorms and weightNorms is the norm of, in that order
   * (the model's layer order): 'conv3/kernel', 'conv3/bias', 'bn3/gamma', 'bn3/beta', 'head/kernel', ….
   * Absent in records written before it was added.
   */
  paramNames?: string[];
}

export interface ErrorInfo {
  message: string;
  stack: string | null;
  /** 'exception' inside the run, or the worker died */
  kind: 'exception' | 'worker-crash' | 'timeout';
}

interface RecordBase {
  /** the record format (src/results/schema.ts); absent in records written before it, which read as 1 */
  formatVersion: 1;
  id: string;
  /** sha256 of the suite file the run was planned from (Manifest.suite.hash): mixed dirs are detectable */
  suiteHash: string;
  spec: RunSpec;
  backend: BackendName;
  startedAt: string;
  wallMs: number;
}

/** One line of runs.jsonl: a union on `status`, each carrying what it needs. */
export type RunRecord =
  | (RecordBase & { status: 'ok'; probe: ProbeResult | null; train: TrainResult | null })
  | (RecordBase & { status: 'stalled'; probe: ProbeResult | null; train: TrainResult; reason: string })
  | (RecordBase & {
      status: 'diverged';
      probe: ProbeResult | null;
      train: TrainResult;
      atStep: number;
      reason: string;
    })
  | (RecordBase & { status: 'failed'; probe: null; train: null; error: ErrorInfo });

export type RunStatus = RunRecord['status'];

export interface Environment {
  initbench: string;
  tfjs: string;
  backend: BackendName;
  /** e.g. 'wasm simd, 1 thread, kernels: Conv2DBackpropFilter, Conv2DBackpropInput' */
  backendDetail: string;
  node: string;
  platform: string;
  cpu: { model: string; cores: number };
  memoryGiB: number;
  gitCommit: string | null;
}

/** `--shard k/n`: the runs whose index in plan order is ≡ k−1 (mod n), 1 ≤ k ≤ n. */
export interface Shard {
  k: number;
  n: number;
}

export interface Manifest {
  formatVersion: 1;
  suite: {
    name: string;
    /** path as given on the command line */
    file: string;
    /** sha256 of the suite file's bytes */
    hash: string;
    /** the suite file as given (parsed JSON) */
    source: unknown;
  };
  plan: RunSpec[];
  environment: Environment;
  startedAt: string;
  /** present on merged outputs: the shard dirs it came from */
  mergedFrom?: string[];
  shard?: Shard;
  /** planned with --quick (a shrunk smoke run of the suite) */
  quick?: boolean;
  /**
   * Each version of the suite that ran into this dir, oldest first; the last is `suite`. A dir is one
   * suite by its `name`: editing the file appends a version. Absent in older dirs (read as one entry).
   */
  history?: SuiteVersion[];
}

/** One version of a results dir's suite file (Manifest.history), appended when its sha256 changes. */
export interface SuiteVersion {
  /** sha256 of the suite file's bytes */
  hash: string;
  /** path as given on the command line */
  file: string;
  /** when this version first ran into the dir (ISO) */
  time: string;
  /** planned run ids this version added: not yet recorded when it arrived */
  runsAdded: number;
  /** runs this version plans */
  planned: number;
}

/** One row of `initbench check`: written to results/check/check.json, read by the report. */
export interface CheckRow {
  /** e.g. 'conv2d.forward', 'conv2d.grad.w', 'model.plain10.grads' */
  op: string;
  /** case name by its parameters, e.g. 'x=[1,8,8,3] w=[3,3,3,4] s=2 p=same' */
  case: string;
  /** 'cpu' | 'wasm' | 'node' | 'reference-fd' (finite differences) | 'impl' (a user's module) */
  backend: string;
  maxAbs: number | null;
  maxRel: number | null;
  atol: number;
  rtol: number;
  mismatches: number;
  verdict: 'pass' | 'fail' | 'skip' | 'error';
  /** first mismatching indices with both values, or the error text */
  detail: string | null;
}

export interface CheckReport {
  formatVersion: 1;
  environment: Environment;
  rows: CheckRow[];
  passed: number;
  failed: number;
}

/** One row of `initbench init-stats`: written to results/init-stats/init-stats.json, read by the report. */
export interface InitAuditRow {
  /** canonical name, e.g. 'he-normal' or 'tfjs:heNormal' */
  init: string;
  shape: number[];
  samples: number;
  nominalVariance: number;
  measuredVariance: number;
  /** confidence interval for the variance, and how it was derived */
  ci: [number, number];
  ciMethod: string;
  ratio: number;
  mean: number;
  min: number;
  max: number;
  support: [number, number] | null;
  /** ‖WᵀW − g²I‖_F / ‖g²I‖_F for orthogonal kinds, else null */
  orthogonalityError: number | null;
  verdict: 'ok' | 'deviates';
}

/**
 * A few example images of a data set, written by the runner to DIR/samples.json (an array of these,
 * one per distinct DataSpec in the plan) so the report can show a sample grid without the data.
 */
export interface DataSamples {
  /** e.g. 'synthetic d=0.5' or 'cifar10' */
  label: string;
  data: DataSpec;
  height: number;
  width: number;
  channels: number;
  /** each image as HWC bytes 0..255 */
  images: number[][];
  labels: number[];
  classNames: string[];
}
