import { ownValue } from '../config/own-value.js';
import type { DestinationConfig, SpokeConfig } from '../config/types.js';
import type { Destination } from '../destinations/contract.js';
import { HUBSPOT_LIMITS, hubspotMatchesIgnoringCase } from '../destinations/hubspot/limits.js';
import { salesforceLimits, salesforceMatchesIgnoringCase } from '../destinations/salesforce/limits.js';
import { SpokeError } from '../errors.js';

/** What planning needs to know of a destination: its limits, matching rule and Bulk support. */
export type DestinationTraits = Pick<Destination, 'limits' | 'matchesIgnoringCase'> & { bulk: boolean };

/**
 * A destination's traits from its configuration alone, without loading its client library: a
 * run plans every sync first and loads the clients only for the syncs with something to send.
 */
export function destinationTraits(config: DestinationConfig): DestinationTraits {
  if (config.type === 'salesforce') {
    return {
      limits: salesforceLimits(config),
      matchesIgnoringCase: (_object, match) => salesforceMatchesIgnoringCase(undefined, match),
      bulk: true,
    };
  }
  return {
    limits: HUBSPOT_LIMITS,
    matchesIgnoringCase: (_object, match) => hubspotMatchesIgnoringCase(match),
    bulk: false,
  };
}

/**
 * The destination of syncs whose plan sends nothing: its traits, and no client. Any call means a
 * sync tried to send what its plan did not count, so it fails loudly instead of connecting.
 */
export function unconnectedDestination(config: DestinationConfig): Destination {
  const { limits, matchesIgnoringCase } = destinationTraits(config);
  const refuse = async (): Promise<never> => {
    throw new Error(`destination ${config.name} is not connected: the plan had nothing to send to it`);
  };
  return {
    name: config.name,
    type: config.type,
    limits,
    matchesIgnoringCase,
    check: refuse,
    describe: refuse,
    describeForSaving: refuse,
    write: refuse,
    close: async () => {},
  };
}

/** The destination `name` as spoke.yml configures it. */
export function configuredDestination(config: SpokeConfig, name: string): DestinationConfig {
  const configured = ownValue(config.destinations, name);
  if (!configured)
    throw new SpokeError('SPOKE_CONFIG_INVALID', `Destination "${name}" is not defined in spoke.yml.`);
  return configured;
}
