// A sandbox in its own process, so the benchmark measures spoke's memory and not the sandbox's.
// Prints its URLs as one JSON line, then serves until killed.
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../src/sandbox/index.js';

const limited = process.argv.includes('--hubspot-rate-limit');
const sandbox = await startSandbox({
  stateFile: null,
  // The example's custom fields (the external ids the bench matches on), as the example's own sandbox has.
  schemaDir: fileURLToPath(new URL('../dbt_project_example/spoke_schemas', import.meta.url)),
  hubspotRateLimit: limited ? { max: 190, intervalMs: 10_000 } : false,
  ...(limited ? { faults: { latencyMs: 100 } } : {}),
});
process.stdout.write(
  `${JSON.stringify({ salesforceUrl: sandbox.salesforceUrl, hubspotUrl: sandbox.hubspotUrl })}\n`,
);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
