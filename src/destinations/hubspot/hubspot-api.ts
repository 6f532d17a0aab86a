import type { Client } from '@hubspot/api-client';
import { DailyLimitReached } from '../rate-limit/daily-limit-reached.js';
import type {
  RateUsage,
  ServerRateState,
  SlidingWindowLimiter,
} from '../rate-limit/sliding-window-limiter.js';
import { isApiException, isDailyLimit } from './errors.js';

const MIN_PAUSE_MS = 100;

/** What the generated `…WithHttpInfo` methods resolve to. */
interface WithHeaders<T> {
  headers: Record<string, string>;
  data: T;
}

/** The HubSpot client behind the destination's rate limiter. */
export interface HubspotApi {
  readonly client: Client;
  /**
   * Sends one request when the limiter allows it. A rolling-window 429 pauses every request of
   * the destination and resends this one, so rate limits never reach the engine as failures
   * (unless the waiting exceeds the cap). A daily 429 throws DailyLimitReached.
   */
  send<T>(request: (client: Client) => Promise<WithHeaders<T>>): Promise<T>;
  usage(): RateUsage | null;
  /** The same API whose waits (rate limit, 429 pauses) end when `signal` aborts. */
  withSignal(signal: AbortSignal | undefined): HubspotApi;
}

export function createHubspotApi(
  client: Client,
  limiter: SlidingWindowLimiter,
  maxPauseMs: number,
  signal?: AbortSignal,
): HubspotApi {
  return {
    client,
    usage: () => limiter.usage(),
    withSignal: (next) => createHubspotApi(client, limiter, maxPauseMs, next),
    async send<T>(request: (client: Client) => Promise<WithHeaders<T>>): Promise<T> {
      let paused = 0;
      for (;;) {
        signal?.throwIfAborted();
        const grantedAt = await limiter.acquire(signal);
        try {
          const response = await request(client);
          limiter.settle(grantedAt, rateState(response.headers));
          return response.data;
        } catch (error) {
          if (!isApiException(error)) {
            limiter.settle(grantedAt);
            throw error;
          }
          const state = rateState(error.headers ?? {});
          limiter.settle(grantedAt, state);
          if (error.code !== 429) throw error;
          if (isDailyLimit(error)) {
            limiter.refuseForToday();
            const usage = limiter.usage();
            throw new DailyLimitReached(usage?.used ?? 0, usage?.limit);
          }
          const wait = Math.max(
            MIN_PAUSE_MS,
            retryAfterMs(error.headers ?? {}) ?? state.intervalMs ?? limiter.windowMs,
          );
          if (paused + wait > maxPauseMs) throw error;
          paused += wait;
          limiter.pause(wait);
        }
      }
    },
  };
}

function header(headers: Record<string, string>, name: string): number | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** node-fetch hands headers over lower-cased. */
export function rateState(headers: Record<string, string>): ServerRateState {
  const state: ServerRateState = {};
  const entries: [keyof ServerRateState, string][] = [
    ['max', 'x-hubspot-ratelimit-max'],
    ['remaining', 'x-hubspot-ratelimit-remaining'],
    ['intervalMs', 'x-hubspot-ratelimit-interval-milliseconds'],
    ['daily', 'x-hubspot-ratelimit-daily'],
    ['dailyRemaining', 'x-hubspot-ratelimit-daily-remaining'],
  ];
  for (const [key, name] of entries) {
    const value = header(headers, name);
    if (value !== undefined) state[key] = value;
  }
  return state;
}

/** `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
