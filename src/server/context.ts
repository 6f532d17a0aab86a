import type { LoadedProject } from '../engine/load-project.js';
import type { RunMetrics } from '../observe/reporters/metrics-reporter.js';
import type { RunScheduler } from './run-scheduler.js';
import type { StateAccess } from './state-access.js';

/** What route groups share: the project as on disk now, the warehouse, the run scheduler, metrics. */
export interface ServerContext {
  project(): Promise<LoadedProject>;
  access: StateAccess;
  stateSchema: string;
  scheduler: RunScheduler;
  metrics: RunMetrics;
}
