import { SpokeError } from '../../errors.js';
import { type CommonOptions, commonOptions } from '../common-options.js';

export type PlanFormat = 'text' | 'markdown' | 'json';

export interface PlanArgs extends CommonOptions {
  state: string | null;
  stateTarget: string | null;
  impact: boolean;
  samples: number;
  format: PlanFormat;
  detailedExitcode: boolean;
  select: string[];
  exclude: string[];
  selector: string | null;
  fullRefresh: boolean;
  retryFailed: boolean;
  allowDeletes: boolean;
}

const FORMATS: readonly PlanFormat[] = ['text', 'markdown', 'json'];

/** Flags → typed options; a wrong value is a usage error naming the flag. */
export function planArgs(raw: Record<string, unknown>): PlanArgs {
  const common = commonOptions(raw);
  const format = String(raw.format ?? (common.json ? 'json' : 'text'));
  if (!FORMATS.includes(format as PlanFormat)) {
    throw new SpokeError('SPOKE_USAGE', `--format ${format} is not known; use one of ${FORMATS.join(', ')}.`);
  }
  const samples = Number(raw.samples ?? 3);
  if (!Number.isInteger(samples) || samples < 0) {
    throw new SpokeError(
      'SPOKE_USAGE',
      `--samples ${String(raw.samples)} must be a whole number of records, 0 or more.`,
    );
  }
  return {
    ...common,
    json: format === 'json',
    state: raw.state ? String(raw.state) : null,
    stateTarget: raw.stateTarget ? String(raw.stateTarget) : null,
    impact: Boolean(raw.impact),
    samples,
    format: format as PlanFormat,
    detailedExitcode: Boolean(raw.detailedExitcode),
    select: (raw.select as string[] | undefined) ?? [],
    exclude: (raw.exclude as string[] | undefined) ?? [],
    selector: raw.selector ? String(raw.selector) : null,
    fullRefresh: Boolean(raw.fullRefresh),
    retryFailed: Boolean(raw.retryFailed),
    allowDeletes: Boolean(raw.allowDeletes),
  };
}
