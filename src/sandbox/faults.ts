import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { SpokeError } from '../errors.js';

export type SandboxService = 'salesforce' | 'hubspot';

const regex = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);
const rate = z.number().min(0).max(1);
/** At most this many injections of the rule per server (e.g. fail once, then succeed). */
const max = z.number().int().positive().optional();
/** Let this many matching requests through before the rule starts to fire. */
const skip = z.number().int().nonnegative().optional();

const faultPlanSchema = z.strictObject({
  seed: z.number().int().optional(),
  latencyMs: z
    .union([z.number().nonnegative(), z.tuple([z.number().nonnegative(), z.number().nonnegative()])])
    .optional(),
  errors: z
    .array(
      z.strictObject({
        status: z.number().int().min(400).max(599),
        rate,
        paths: regex.optional(),
        max,
        skip,
      }),
    )
    .optional(),
  rateLimit: z
    .strictObject({ every: z.number().int().positive(), durationMs: z.number().nonnegative() })
    .optional(),
  connectionResets: z.strictObject({ rate, paths: regex.optional(), max, skip }).optional(),
  lostAnswers: z
    .array(
      z.strictObject({
        rate,
        paths: regex.optional(),
        max,
        skip,
        after: z.enum(['reset', 'close', 'hang']).optional(),
        hangMs: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
  echoes: z
    .array(
      z.strictObject({
        status: z.number().int().min(400).max(599),
        rate,
        paths: regex.optional(),
        max,
        skip,
      }),
    )
    .optional(),
  bulkUploadFailures: z.number().int().nonnegative().optional(),
  expireSessionEvery: z.number().int().min(2).optional(),
});

/**
 * Faults the sandbox injects into one run, for both servers. `paths` are regular expressions
 * matched against `"<METHOD> <url>"`, e.g. `"^POST /crm/v3/objects/contacts/batch/upsert"`.
 */
export type FaultPlan = z.infer<typeof faultPlanSchema>;

export type FaultKind =
  | 'latency'
  | 'error'
  | 'rateLimit'
  | 'connectionReset'
  | 'bulkUploadFailure'
  | 'sessionExpired'
  | 'lostAnswer'
  | 'echo';

/** What becomes of an answer the server has already produced: the write stays applied. */
export interface LostAnswer {
  /** `reset`: drop the connection; `close`: end it without an answer; `hang`: wait, then drop it. */
  after: 'reset' | 'close' | 'hang';
  hangMs: number;
}

export interface FaultCounters {
  /** Requests the plan was consulted for (every request but the `/__sandbox/` ones). */
  requests: number;
  injected: Record<FaultKind, number>;
}

/** A canned answer in the service's own error format. */
export interface FaultResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FaultRequest {
  method: string;
  url: string;
}

/** Validates a plan from `--faults`, `SPOKE_SANDBOX_FAULTS` or the control endpoint. */
export function parseFaultPlan(value: unknown, source: string): FaultPlan {
  const parsed = faultPlanSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join('.') : '(plan)'}: ${issue.message}`,
  );
  throw new SpokeError(
    'SPOKE_SANDBOX',
    `${source} is not a valid fault plan: ${problems.join('; ')}. See docs/sandbox.md#faults for the fields.`,
  );
}

/** Parses JSON text holding a plan (file contents or the environment variable). */
export function parseFaultPlanJson(text: string, source: string): FaultPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpokeError('SPOKE_SANDBOX', `${source} is not valid JSON (${(error as Error).message}).`);
  }
  return parseFaultPlan(value, source);
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const SANDBOX_CONTROL = /^\/__sandbox(\/|$)/;
const BULK_UPLOAD = /^PUT \/services\/data\/v\d+\.\d+\/jobs\/ingest\/[^/]+\/batches\/?(\?|$)/;
const REST_CALL = /^\/services\/data\/v\d+\.\d+\//;

/** Per-server progress through the plan: each server draws from its own seeded sequence. */
class ServiceState {
  readonly random: () => number;
  counters: FaultCounters = emptyCounters();
  restCalls = 0;
  ruleUses = new Map<object, number>();
  /** Requests each rule's `paths` matched, fired or not (for `skip`). */
  ruleMatches = new Map<object, number>();
  bulkFailuresLeft: number;
  windowUntil = 0;

  constructor(plan: FaultPlan, seed: number) {
    this.random = mulberry32(seed);
    this.bulkFailuresLeft = plan.bulkUploadFailures ?? 0;
  }
}

/**
 * Decides, request by request, which fault (if any) each sandbox server injects. One injector
 * serves both servers; replacing the plan restarts every sequence from the plan's seed.
 */
export class FaultInjector {
  private current: FaultPlan = {};
  private seed = 0;
  private readonly states = new Map<SandboxService, ServiceState>();

  constructor(plan: FaultPlan = {}) {
    this.replace(plan);
  }

  get plan(): FaultPlan {
    return this.current;
  }

  replace(plan: FaultPlan): void {
    this.current = plan;
    this.seed = plan.seed ?? Math.floor(Math.random() * 2 ** 31);
    const previous = new Map([...this.states].map(([service, state]) => [service, state.counters]));
    this.states.clear();
    for (const [service, counters] of previous) this.state(service).counters = counters;
  }

  counters(service: SandboxService): FaultCounters {
    const { requests, injected } = this.state(service).counters;
    return { requests, injected: { ...injected } };
  }

  resetCounters(service: SandboxService): void {
    this.state(service).counters = emptyCounters();
  }

  /**
   * Waits the planned latency, then returns the error to answer with, if the plan injects one;
   * `/__sandbox/` requests are never touched.
   */
  async respond(service: SandboxService, request: FaultRequest): Promise<FaultResponse | undefined> {
    if (SANDBOX_CONTROL.test(request.url)) return undefined;
    const plan = this.current;
    const state = this.state(service);
    state.counters.requests++;
    const delay = this.latency(plan, state);
    if (delay > 0) {
      state.counters.injected.latency++;
      await sleep(delay);
    }
    const target = `${request.method} ${request.url}`;
    if (service === 'salesforce' && state.bulkFailuresLeft > 0 && BULK_UPLOAD.test(target)) {
      state.bulkFailuresLeft--;
      return this.inject(state, 'bulkUploadFailure', errorResponse(service, 503));
    }
    if (service === 'salesforce' && plan.expireSessionEvery && REST_CALL.test(request.url)) {
      state.restCalls++;
      if (state.restCalls % plan.expireSessionEvery === 0) {
        return this.inject(state, 'sessionExpired', errorResponse(service, 401));
      }
    }
    if (plan.rateLimit) {
      const now = Date.now();
      const opens = state.counters.requests % plan.rateLimit.every === 0;
      if (now < state.windowUntil || opens) {
        if (opens && now >= state.windowUntil) state.windowUntil = now + plan.rateLimit.durationMs;
        return this.inject(state, 'rateLimit', rateLimitResponse(service, state.windowUntil - now));
      }
    }
    for (const rule of plan.errors ?? []) {
      if (this.fires(state, rule, target))
        return this.inject(state, 'error', errorResponse(service, rule.status));
    }
    return undefined;
  }

  /**
   * Whether the answer to this request, already handled (its writes applied), is lost on its way
   * back: a crash or a dropped connection after the service did the work.
   */
  loseAnswer(service: SandboxService, request: FaultRequest): LostAnswer | null {
    if (SANDBOX_CONTROL.test(request.url)) return null;
    const state = this.state(service);
    const target = `${request.method} ${request.url}`;
    for (const rule of this.current.lostAnswers ?? []) {
      if (!this.fires(state, rule, target)) continue;
      state.counters.injected.lostAnswer++;
      return { after: rule.after ?? 'reset', hangMs: rule.hangMs ?? 5_000 };
    }
    return null;
  }

  /** The status to answer with, echoing the request (a misbehaving login server or proxy), if a rule fires. */
  echo(service: SandboxService, request: FaultRequest): number | null {
    if (SANDBOX_CONTROL.test(request.url)) return null;
    const state = this.state(service);
    for (const rule of this.current.echoes ?? []) {
      if (!this.fires(state, rule, `${request.method} ${request.url}`)) continue;
      state.counters.injected.echo++;
      return rule.status;
    }
    return null;
  }

  /** Whether to drop this request's connection without answering. */
  shouldReset(service: SandboxService, request: FaultRequest): boolean {
    const rule = this.current.connectionResets;
    if (!rule || SANDBOX_CONTROL.test(request.url)) return false;
    const state = this.state(service);
    if (!this.fires(state, rule, `${request.method} ${request.url}`)) return false;
    state.counters.injected.connectionReset++;
    return true;
  }

  private fires(
    state: ServiceState,
    rule: { rate: number; paths?: string; max?: number; skip?: number },
    target: string,
  ) {
    if (rule.paths !== undefined && !compiled(rule.paths).test(target)) return false;
    const seen = (state.ruleMatches.get(rule) ?? 0) + 1;
    state.ruleMatches.set(rule, seen);
    if (rule.skip !== undefined && seen <= rule.skip) return false;
    const used = state.ruleUses.get(rule) ?? 0;
    if (rule.max !== undefined && used >= rule.max) return false;
    if (rule.rate < 1 && state.random() >= rule.rate) return false;
    state.ruleUses.set(rule, used + 1);
    return true;
  }

  private inject(state: ServiceState, kind: FaultKind, response: FaultResponse): FaultResponse {
    state.counters.injected[kind]++;
    return response;
  }

  private latency(plan: FaultPlan, state: ServiceState): number {
    const latency = plan.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    const [low, high] = latency;
    return low + state.random() * Math.max(high - low, 0);
  }

  private state(service: SandboxService): ServiceState {
    let state = this.states.get(service);
    if (!state) {
      state = new ServiceState(this.current, this.seed + (service === 'salesforce' ? 0 : 1));
      this.states.set(service, state);
    }
    return state;
  }
}

const patterns = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = new RegExp(source);
    patterns.set(source, pattern);
  }
  return pattern;
}

function emptyCounters(): FaultCounters {
  return {
    requests: 0,
    injected: {
      latency: 0,
      error: 0,
      rateLimit: 0,
      connectionReset: 0,
      bulkUploadFailure: 0,
      sessionExpired: 0,
      lostAnswer: 0,
      echo: 0,
    },
  };
}

/** A rate-limit answer: HubSpot's TEN_SECONDLY_ROLLING 429 (which its client waits out and retries);
 * for Salesforce a 503 SERVER_UNAVAILABLE, since its own 403 REQUEST_LIMIT_EXCEEDED is not transient. */
function rateLimitResponse(service: SandboxService, remainingMs: number): FaultResponse {
  if (service === 'salesforce') return errorResponse(service, 503);
  return {
    status: 429,
    headers: {
      'X-HubSpot-RateLimit-Remaining': '0',
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(Math.max(Math.ceil(remainingMs), 0)),
    },
    body: {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: 'TEN_SECONDLY_ROLLING',
    },
  };
}

/** An error answer in the service's format: Salesforce `[{message, errorCode}]`, HubSpot `{status, message, category, correlationId}`. */
export function errorResponse(service: SandboxService, status: number): FaultResponse {
  if (service === 'salesforce') {
    const [errorCode, message] = SALESFORCE_ERRORS[status] ?? [
      status >= 500 ? 'UNKNOWN_EXCEPTION' : 'INVALID_REQUEST',
      `The sandbox injected an HTTP ${status} fault.`,
    ];
    // The Salesforce server sends a fault's body as given: its JSON type must come with it.
    return { status, headers: { 'content-type': JSON_TYPE }, body: [{ message, errorCode }] };
  }
  if (status === 429) return rateLimitResponse(service, 10_000);
  const [category, message] = HUBSPOT_ERRORS[status] ?? [
    status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR',
    `The sandbox injected an HTTP ${status} fault.`,
  ];
  return {
    status,
    ...(status === 477 ? { headers: { 'Retry-After': '2' } } : {}),
    body: { status: 'error', message, correlationId: randomUUID(), category },
  };
}

const SALESFORCE_ERRORS: Record<number, [string, string]> = {
  401: ['INVALID_SESSION_ID', 'Session expired or invalid'],
  403: ['REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'],
  404: ['NOT_FOUND', 'The requested resource does not exist'],
  429: ['REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'],
  500: [
    'UNKNOWN_EXCEPTION',
    'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
  ],
  502: ['SERVER_UNAVAILABLE', 'Bad gateway: the server is temporarily unavailable. Try again later.'],
  503: ['SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Try again later.'],
  504: ['SERVER_UNAVAILABLE', 'Gateway timeout: the server is temporarily unavailable. Try again later.'],
};

const HUBSPOT_ERRORS: Record<number, [string, string]> = {
  401: [
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
  ],
  403: ['MISSING_SCOPES', 'This app hasn’t been granted all required scopes to make this call.'],
  423: ['LOCKED', 'The resource is locked; retry after at least 2 seconds.'],
  477: ['MIGRATION_IN_PROGRESS', 'The portal is being migrated; retry after the Retry-After delay.'],
  500: ['INTERNAL_ERROR', 'internal error'],
  502: ['INTERNAL_ERROR', 'The request could not be processed in time; pause and retry.'],
  503: ['INTERNAL_ERROR', 'Service Unavailable'],
  504: ['INTERNAL_ERROR', 'The request could not be processed in time; pause and retry.'],
};

/** Small seeded generator: the same seed injects the same faults in the same order. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An error answer that repeats the request it answers (URL, headers, body, and the body as
 * base64), in the service's error format: what a misconfigured login server or proxy sends, and
 * how a credential in a request can come back inside an error message.
 */
export function echoResponse(
  service: SandboxService,
  status: number,
  request: FaultRequest & { headers: Record<string, unknown>; body: unknown },
): FaultResponse {
  const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? '');
  const echo = `could not process ${request.method} ${request.url} with headers ${JSON.stringify(request.headers)} and body ${body} (base64 ${Buffer.from(body).toString('base64')})`;
  if (service === 'hubspot') {
    return {
      status,
      headers: { 'content-type': JSON_TYPE },
      body: {
        status: 'error',
        message: echo,
        correlationId: randomUUID(),
        category: status === 401 ? 'INVALID_AUTHENTICATION' : 'INTERNAL_ERROR',
      },
    };
  }
  const oauth = request.url.startsWith('/services/oauth2/');
  return {
    status,
    headers: { 'content-type': JSON_TYPE },
    body: oauth
      ? { error: 'invalid_request', error_description: echo }
      : [{ message: echo, errorCode: 'UNKNOWN_EXCEPTION' }],
  };
}
