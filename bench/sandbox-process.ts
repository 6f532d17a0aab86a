// A sandbox in its own process, so the benchmark measures spoke's memory and not the sandbox's.
// Prints its URLs as one JSON line, then serves until killed.
import { startSandbox } from '../src/sandbox/index.js';

const limited = process.argv.includes('--hubspot-rate-limit');
const sandbox = await startSandbox({
  stateFile: null,
  hubspotRateLimit: limited ? { max: 190, intervalMs: 10_000 } : false,
  ...(limited ? { faults: { latencyMs: 100 } } : {}),
});
process.stdout.write(
  `${JSON.stringify({ salesforceUrl: sandbox.salesforceUrl, hubspotUrl: sandbox.hubspotUrl })}\n`,
);
process.on('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
