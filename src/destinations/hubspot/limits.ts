import type { DestinationLimits } from '../contract.js';

/** Eight in flight reach 190 requests per 10 s even when HubSpot takes 400 ms to answer. */
export const HUBSPOT_LIMITS: DestinationLimits = { maxBatchSize: 100, concurrency: 8 };

/** HubSpot compares email addresses without regard to case; other unique values exactly. */
export function hubspotMatchesIgnoringCase(match: string): boolean {
  return match === 'email';
}
