/** `initbench check`: reference vs tfjs per op and whole-model, reference vs finite differences, users' modules. */
export { type Tolerance, type Comparison, compare, describeMismatches, fmt } from './compare.ts';
export { type OpCase, ALL_CASES, CONV_CASES, DENSE_CASES, ACTIVATION_CASES, POOL_CASES, OTHER_CASES, caseInputs, referenceOutputs, tfjsTolerance } from './cases.ts';
export { checkOpsOnBackend, checkFiniteDifferences, finiteDifferenceGradient, FD_STEP, FD_RTOL, fdTolerance } from './ops.ts';
export { type ModelCase, MODEL_CASES, checkModel, checkModels } from './model-check.ts';
export { type CheckOptions, type CheckRun, ALL_BACKENDS, runChecks } from './run.ts';
export { counts, summarize, familyOf, type SummaryRow } from './table.ts';
export { type ImplCheckOptions, type ImplCheckResult, runImplCheck } from './impl/run.ts';
export { DEFAULT_IMPL_TIMEOUT_MS, IMPL_FUNCTIONS, IMPL_FUNCTION_NAMES, type ImplOptions, type Layout } from './impl/contract.ts';
export { checkAndWrite, implCheckAndWrite, type ImplCheckReport } from './report.ts';
