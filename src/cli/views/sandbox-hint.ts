import type { SpokeConfig } from '../../config/types.js';
import type { RunResult } from '../../observe/lifecycle.js';

/**
 * After a run routed to the sandbox: the command that shows each object this run wrote, by the
 * destination's type (`spoke sandbox records salesforce Account --target dev`). Null when the
 * run wrote nothing or did not use the sandbox.
 */
export function sandboxHint(run: RunResult, config: SpokeConfig): string | null {
  if (!config.sandbox || run.dryRun) return null;
  const written = new Set<string>();
  for (const sync of run.syncs) {
    if (sync.created + sync.updated + sync.deleted === 0) continue;
    const type = Object.hasOwn(config.destinations, sync.destination)
      ? config.destinations[sync.destination]!.type
      : sync.destination;
    written.add(`${type} ${sync.object}`);
  }
  if (written.size === 0) return null;
  const { salesforceUrl, hubspotUrl } = config.sandbox;
  const where =
    salesforceUrl && hubspotUrl
      ? `the running sandbox (${salesforceUrl}, ${hubspotUrl}); where it runs, list them with`
      : `the sandbox of target ${run.target}:`;
  const target = salesforceUrl && hubspotUrl ? '' : ` --target ${run.target}`;
  return [
    `Records this run wrote are in ${where}`,
    ...[...written].sort().map((object) => `  npx spoke sandbox records ${object}${target}`),
  ].join('\n');
}
