/** The library API of dbt-spoke. Nothing else in the package is importable. */
export type { SpokeConfig, SyncMode, SyncSpec } from './config/types.js';
export type { Destination, ObjectSchema, RecordOutcome, WriteRequest } from './destinations/contract.js';
export { type LoadedProject, loadProject, type ProjectOptions } from './engine/load-project.js';
export { type PlanSyncsOptions, planSyncs } from './engine/plan-syncs.js';
export { type RunSyncsOptions, runSyncs } from './engine/run-syncs.js';
export { type Diagnostic, SpokeError, type SpokeErrorCode } from './errors.js';
export type { Reporter, RunResult, SyncResult, SyncStatus } from './observe/lifecycle.js';
export { type ChangePlan, type InvalidRecord, planChanges } from './plan/plan-changes.js';
export type { PlanReport, SyncImpact, SyncPlanEntry } from './review/plan-report.js';
export { type RunningSandbox, type SandboxOptions, startSandbox } from './sandbox/index.js';
