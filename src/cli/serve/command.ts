import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { startServer } from '../../server/serve.js';
import { commonOptions, withCommonOptions } from '../common-options.js';

const LOOPBACK = '127.0.0.1';

export function registerServe(program: Command, setExitCode: (code: number) => void): void {
  withCommonOptions(
    program
      .command('serve')
      .description(
        'HTTP API (triggers, syncs, metrics, OpenAPI) and the worker for syncs queued by the dbt macro',
      )
      .option('--host <address>', 'address to listen on', LOOPBACK)
      .option('--port <port>', 'port to listen on (0: any free port)', '8580')
      .option('--no-worker', 'do not claim entries from the sync queue (API only)')
      .option('--no-auth', `serve without a bearer token; only with --host ${LOOPBACK}`),
  ).action(async (raw: Record<string, unknown>) => {
    const common = commonOptions(raw);
    const host = String(raw.host);
    const port = Number(raw.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(`--port must be a whole number from 0 to 65535, not "${String(raw.port)}".`);
    }
    const token = process.env.SPOKE_API_TOKEN?.trim() || null;
    const auth = raw.auth !== false;
    if (!auth && host !== LOOPBACK) {
      throw new ConfigError(
        `--no-auth is allowed only with --host ${LOOPBACK}, so that no other machine can trigger runs; ` +
          'set SPOKE_API_TOKEN to serve on another address.',
      );
    }
    if (auth && token === null) {
      throw new ConfigError(
        'spoke serve needs a bearer token: set SPOKE_API_TOKEN (e.g. `export SPOKE_API_TOKEN=$(openssl rand -hex 32)`), ' +
          `or pass --no-auth to serve without one on ${LOOPBACK}.`,
      );
    }
    const { version } = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    const server = await startServer({
      project: common,
      host,
      port,
      token: auth ? token : null,
      worker: raw.worker !== false,
      version,
      ...durationFromEnv('SPOKE_QUEUE_POLL_MS', 'pollMs'),
      ...durationFromEnv('SPOKE_QUEUE_LEASE_MS', 'leaseMs'),
      ...durationFromEnv('SPOKE_ALERT_TICK_MS', 'alertTickMs'),
    });
    process.stderr.write(
      `spoke serve listening on ${server.url} (queue worker ${raw.worker !== false ? 'on' : 'off'}, ` +
        `auth ${auth ? 'bearer token' : 'off'})\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        server.stop().then(resolve, resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    setExitCode(0);
  });
}

/** Tuning knobs kept out of --help: tests and operators shorten the queue's poll and lease, and the alert tick. */
function durationFromEnv<K extends string>(name: string, key: K): Partial<Record<K, number>> {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? ({ [key]: value } as Record<K, number>) : {};
}
