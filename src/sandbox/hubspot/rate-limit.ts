import { randomUUID } from 'node:crypto';

export const DEFAULT_RATE_LIMIT = { max: 190, intervalMs: 10_000 };
const DAILY_LIMIT = 1_000_000;

export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request is refused: HubSpot's 429 body. */
  refusal?: Record<string, unknown>;
}

/** HubSpot's per-token limits: a rolling window (TEN_SECONDLY_ROLLING) and a daily quota. */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly daily = new Map<string, { day: string; count: number }>();

  constructor(
    private readonly max: number,
    private readonly intervalMs: number,
    private readonly dailyMax = DAILY_LIMIT,
  ) {}

  take(token: string, now = Date.now()): RateDecision {
    const window = (this.windows.get(token) ?? []).filter((t) => now - t < this.intervalMs);
    this.windows.set(token, window);
    const day = new Date(now).toISOString().slice(0, 10);
    const used = this.daily.get(token);
    const daily = used && used.day === day ? used : { day, count: 0 };
    this.daily.set(token, daily);

    const refuse = (policyName: string, message: string): RateDecision => ({
      headers: this.headers(window.length, daily.count),
      refusal: { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName },
    });
    if (daily.count >= this.dailyMax) return refuse('DAILY', 'You have reached your daily limit.');
    if (window.length >= this.max) {
      return refuse('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.');
    }
    window.push(now);
    daily.count += 1;
    return { headers: this.headers(window.length, daily.count) };
  }

  private headers(inWindow: number, today: number): Record<string, string> {
    return {
      'X-HubSpot-RateLimit-Max': String(this.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(this.max - inWindow, 0)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.intervalMs),
      'X-HubSpot-RateLimit-Daily': String(this.dailyMax),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(this.dailyMax - today, 0)),
    };
  }
}
