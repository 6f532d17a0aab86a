import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { SpokeError } from '../errors.js';
import {
  echoResponse,
  type FaultInjector,
  type LostAnswer,
  parseFaultPlan,
  type SandboxService,
} from './faults.js';

export interface RouteCount {
  requests: number;
  /** Answers by HTTP status; `reset` counts connections dropped by a fault. */
  statuses: Record<string, number>;
}

/** Requests one server answered, per `"<METHOD> <route pattern>"`. */
export class RequestStats {
  private routes = new Map<string, RouteCount>();

  record(method: string, route: string | undefined, status: number | 'reset' | 'lost'): void {
    const key = `${method} ${route ?? '(no route)'}`;
    let count = this.routes.get(key);
    if (!count) {
      count = { requests: 0, statuses: {} };
      this.routes.set(key, count);
    }
    count.requests++;
    count.statuses[status] = (count.statuses[status] ?? 0) + 1;
  }

  snapshot(): { requests: number; routes: Record<string, RouteCount> } {
    let requests = 0;
    const routes: Record<string, RouteCount> = {};
    for (const [key, count] of [...this.routes].sort(([a], [b]) => a.localeCompare(b))) {
      requests += count.requests;
      routes[key] = { requests: count.requests, statuses: { ...count.statuses } };
    }
    return { requests, routes };
  }

  reset(): void {
    this.routes = new Map();
  }
}

const CONTROL = /^\/__sandbox(\/|$)/;
const lostAnswers = new WeakMap<object, LostAnswer>();

/**
 * Adds what the sandbox offers beyond the emulated API to one server: connection-reset faults
 * (they need the socket, which a fault hook's canned answer cannot reach), request counting, and
 * the `/__sandbox/` control endpoints: `GET|PUT /__sandbox/faults` (the plan, shared by both
 * servers), `GET|DELETE /__sandbox/stats`. Call before the server listens.
 */
export function registerSandboxControl(
  app: FastifyInstance,
  service: SandboxService,
  faults: FaultInjector,
): RequestStats {
  const stats = new RequestStats();

  app.addHook('onRequest', async (request, reply) => {
    if (!faults.shouldReset(service, { method: request.method, url: request.url })) return;
    stats.record(request.method, request.routeOptions.url, 'reset');
    reply.hijack();
    request.raw.socket.destroy();
  });
  // Body-echoing errors need the parsed body, so they are answered after parsing.
  app.addHook('preHandler', async (request, reply) => {
    const status = faults.echo(service, { method: request.method, url: request.url });
    if (status === null) return;
    const echoed = echoResponse(service, status, {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body,
    });
    await reply
      .code(echoed.status)
      .headers(echoed.headers ?? {})
      .send(JSON.stringify(echoed.body));
  });
  // A handled request whose answer is lost: the write is applied, the client never hears of it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400) return payload;
    const lost = faults.loseAnswer(service, { method: request.method, url: request.url });
    if (!lost) return payload;
    lostAnswers.set(request, lost);
    stats.record(request.method, request.routeOptions.url, 'lost');
    if (lost.after === 'hang') await sleep(lost.hangMs);
    if (lost.after === 'close') request.raw.socket.end();
    else request.raw.socket.destroy();
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (CONTROL.test(request.url) || lostAnswers.has(request)) return;
    stats.record(request.method, request.routeOptions.url, reply.statusCode);
  });

  const json = { 'content-type': 'application/json;charset=UTF-8' };
  app.get('/__sandbox/stats', async (_request, reply) =>
    reply
      .headers(json)
      .send(
        JSON.stringify({ service, ...stats.snapshot(), faults: faults.counters(service), plan: faults.plan }),
      ),
  );
  app.delete('/__sandbox/stats', async (_request, reply) => {
    stats.reset();
    faults.resetCounters(service);
    return reply.code(204).send();
  });
  app.get('/__sandbox/faults', async (_request, reply) =>
    reply.headers(json).send(JSON.stringify(faults.plan)),
  );
  app.put('/__sandbox/faults', async (request, reply) => {
    try {
      faults.replace(parseFaultPlan(request.body ?? {}, 'The PUT /__sandbox/faults body'));
    } catch (error) {
      if (!(error instanceof SpokeError)) throw error;
      return reply
        .code(400)
        .headers(json)
        .send(JSON.stringify({ error: error.message }));
    }
    return reply.headers(json).send(JSON.stringify(faults.plan));
  });
  return stats;
}
