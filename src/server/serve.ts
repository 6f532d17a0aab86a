import type { FastifyInstance } from 'fastify';
import { alertsTick } from '../alerts/tick.js';
import { type LoadedProject, loadProject, type ProjectOptions } from '../engine/load-project.js';
import { RunMetrics } from '../observe/reporters/metrics-reporter.js';
import { lastSuccesses } from '../state/sync-overview.js';
import { SyncQueue } from '../state/sync-queue.js';
import { redact } from '../util/redact.js';
import { buildApp } from './app.js';
import type { ServerContext } from './context.js';
import { assertQueueSupported, QueueWorker } from './queue-worker.js';
import { RunScheduler } from './run-scheduler.js';
import { type StateAccess, stateAccess } from './state-access.js';

export interface ServeOptions {
  project: ProjectOptions;
  host: string;
  port: number;
  token: string | null;
  worker: boolean;
  version: string;
  /** Pause between looks at an empty queue. */
  pollMs?: number;
  leaseMs?: number;
  /** How often alert staleness and delivery retries are checked. */
  alertTickMs?: number;
  /** pino level of the JSON log lines on stdout (default: SPOKE_LOG_LEVEL, else info). */
  logLevel?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops claiming and starting runs, lets running ones end, closes the listener. */
  stop(): Promise<void>;
}

/**
 * `spoke serve`: the HTTP API, the queue worker and the alert tick, sharing one run scheduler
 * so that triggers and queued dbt invocations never run one sync twice at once.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const first = await loadProject(options.project);
  if (options.worker) assertQueueSupported(first.connection.type, ', and start spoke serve with --no-worker');
  const schema = first.config.state.schema;
  const access = stateAccess(first.connection, schema);
  const projectSource = currentProject(options.project, first);
  const metrics = new RunMetrics({
    queueDepth: () => access.use(({ warehouse }) => new SyncQueue(warehouse.sql, schema).depth()),
    runsInProgress: () => scheduler.pending,
  });
  const log = logTo(() => app?.log);
  const scheduler: RunScheduler = new RunScheduler({
    access,
    stateSchema: schema,
    loadProject: projectSource,
    reporters: () => [metrics.reporter()],
    log,
  });
  let app: FastifyInstance | undefined;
  try {
    await access.use(async ({ warehouse, state }) => {
      await state.migrate();
      metrics.seedLastSuccess(await lastSuccesses(warehouse.sql, schema));
    });
    const context: ServerContext = {
      project: projectSource,
      access,
      stateSchema: schema,
      scheduler,
      metrics,
    };
    app = await buildApp(context, {
      token: options.token,
      version: options.version,
      logger: { level: options.logLevel ?? process.env.SPOKE_LOG_LEVEL ?? 'info' },
    });
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await access.close();
    throw error;
  }
  const listening = app;
  const address = listening.server.address();
  const url =
    typeof address === 'object' && address
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : `http://${options.host}:${options.port}`;

  const worker = options.worker
    ? new QueueWorker({
        access,
        stateSchema: schema,
        project: projectSource,
        log,
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
        run: async (syncIds, invocationId) => {
          const [run] = await scheduler.submit([
            {
              syncIds,
              fullRefresh: false,
              retryFailed: false,
              command: `serve: queue (dbt invocation ${invocationId})`,
            },
          ]);
          return run!.ended;
        },
      })
    : null;
  worker?.start();
  const stopTicks = startAlertTicks(access, projectSource, options.alertTickMs ?? 60_000, log);

  let stopping: Promise<void> | null = null;
  return {
    app: listening,
    url,
    stop: () => {
      stopping ??= (async () => {
        log('info', 'stopping: no new claims or runs; waiting for running runs to end');
        stopTicks();
        await worker?.stop();
        await scheduler.stop();
        await listening.close();
        await access.close();
      })();
      return stopping;
    },
  };
}

/** The project as it is on disk now (dbt builds again while the server runs), read at most once a second. */
function currentProject(options: ProjectOptions, first: LoadedProject): () => Promise<LoadedProject> {
  let cached = { at: Date.now(), project: Promise.resolve(first) };
  return () => {
    if (Date.now() - cached.at > 1000) {
      const project = loadProject(options);
      cached = { at: Date.now(), project };
      // A broken reload is reported to whoever asked; the next call tries again.
      project.catch(() => {
        cached = { at: 0, project };
      });
    }
    return cached.project;
  };
}

/** Staleness checks and delivery retries between runs, when spoke.yml configures alerts. */
function startAlertTicks(
  access: StateAccess,
  project: () => Promise<LoadedProject>,
  everyMs: number,
  log: ReturnType<typeof logTo>,
): () => void {
  const timer = setInterval(() => {
    void (async () => {
      const current = await project();
      const settings = current.config.alerts;
      if (!settings) return;
      await access.use(({ state }) =>
        alertsTick(state, settings, {
          specs: current.specs,
          target: current.target,
          onDelivery: (delivery) =>
            log(delivery.delivered ? 'info' : 'warn', `alert ${delivery.kind} via ${delivery.channel}`, {
              delivered: delivery.delivered,
              ...(delivery.error ? { error: delivery.error } : {}),
            }),
        }),
      );
    })().catch((error: unknown) =>
      log('warn', `alert tick: ${redact(error instanceof Error ? error.message : String(error))}`),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

type Level = 'info' | 'warn' | 'error';

/** Log lines go through the server's logger, redacted: no secret reaches a log line. */
function logTo(logger: () => FastifyInstance['log'] | undefined) {
  return (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    const target = logger();
    const text = redact(message);
    if (target) target[level](fields, text);
    else process.stderr.write(`${text}\n`);
  };
}
