import { DailyLimitReached } from './daily-limit-reached.js';

export interface SlidingWindowOptions {
  /** Requests allowed in any window of `windowMs`: a ceiling the server can lower, never raise. */
  max: number;
  windowMs: number;
  /** Requests allowed per day; when absent, only the server's own daily figures apply. */
  dailyLimit?: number;
  /**
   * How much longer than the window a request stays counted while its answer is awaited: it
   * reaches the server a little after it leaves, and the server counts it from its arrival.
   */
  marginMs?: number;
  /**
   * The same once answered. The answer came after the server counted the request, so counting
   * from the answer is already late enough; this covers only timer and clock granularity.
   */
  answeredMarginMs?: number;
  now?: () => number;
  /** Told how long each request that could not leave at once waited (for metrics). */
  onWait?: (waitedMs: number) => void;
}

/** What one response said about the server's limits (HubSpot: `X-HubSpot-RateLimit-*`). */
export interface ServerRateState {
  max?: number;
  remaining?: number;
  intervalMs?: number;
  daily?: number;
  dailyRemaining?: number;
}

export interface RateUsage {
  /** Requests used today (the server's count when it reports one, else this limiter's). */
  used: number;
  limit: number;
  /** Requests counted in the current window. */
  windowUsed: number;
}

interface Waiter {
  resolve: (grantedAt: number) => void;
  reject: (error: Error) => void;
}

/**
 * A sliding-window log: lets bursts reach exactly `max` requests in any window (not max/window
 * spread evenly), and learns from the server. When an answer says fewer requests remain than
 * this limiter counted, the difference (another process on the same token) is entered as
 * requests sent when the answer came, so the window frees later. `pause` stops every caller.
 * Requests in flight are not limited here: that is the destination's concurrency.
 */
export class SlidingWindowLimiter {
  private readonly log: number[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly span: number;
  /** How much earlier than its answer an answered request is entered, so it frees `windowMs + answeredMarginMs` later. */
  private readonly answeredShift: number;
  private readonly now: () => number;
  private serverMax: number | undefined;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private grantedToday = 0;
  private serverDaily: { limit: number; used: number; grantedThen: number } | undefined;
  private dailyRefused = false;

  constructor(private readonly options: SlidingWindowOptions) {
    if (!(options.max >= 1) || !(options.windowMs > 0)) {
      throw new RangeError(
        `A rate limit needs at least 1 request per window and a positive window (got ${options.max} per ${options.windowMs} ms).`,
      );
    }
    const margin = options.marginMs ?? defaultMargin(options.windowMs);
    this.span = options.windowMs + margin;
    this.answeredShift = Math.max(0, margin - (options.answeredMarginMs ?? Math.min(margin, 20)));
    this.now = options.now ?? Date.now;
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  /** Resolves with the time the request may leave; rejects with DailyLimitReached, or when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const queuedAt = this.now();
      // Granted by the pump below, within this call: the request did not wait, however the clock ticked.
      let atOnce = true;
      const waiter: Waiter = {
        resolve: (grantedAt) => {
          signal?.removeEventListener('abort', abandon);
          if (!atOnce) this.options.onWait?.(grantedAt - queuedAt);
          resolve(grantedAt);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', abandon);
          reject(error);
        },
      };
      const abandon = () => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiters.push(waiter);
      this.pump();
      atOnce = false;
    });
  }

  /** Stops every caller for `ms` (a server's Retry-After, or its window after a 429). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.pump();
  }

  /** The server refused a request for its daily quota: nothing more is sent today. */
  refuseForToday(): void {
    this.dailyRefused = true;
    this.pump();
  }

  /**
   * The request granted at `grantedAt` was answered: the server counted it somewhere in
   * between, so from now on it counts from now (a slow first request cannot let the next window
   * open early), with the smaller answered margin (the answer is later than the arrival the
   * server counts from, by at least the request's own latency, so the full margin would waste
   * it on every request: 10.3 s per slot instead of 10.1 s under HubSpot's 10 s window).
   * Learns from what the answer said about the server's limits.
   */
  settle(grantedAt: number, state: ServerRateState = {}): void {
    const now = this.now();
    const index = this.log.lastIndexOf(grantedAt);
    if (index !== -1) {
      this.log.splice(index, 1);
      this.insert(now - this.answeredShift);
    }
    const sameWindow = state.intervalMs === undefined || state.intervalMs === this.options.windowMs;
    if (state.max !== undefined && state.max > 0) {
      const scaled = sameWindow
        ? state.max
        : Math.floor((state.max * this.options.windowMs) / (state.intervalMs as number));
      this.serverMax = Math.max(1, scaled);
    }
    if (sameWindow && state.max !== undefined && state.remaining !== undefined) {
      // Everything counted since this request left, ours and in flight included, so the
      // difference is what only the server saw.
      const missing = state.max - state.remaining - this.countIn(grantedAt - this.span, now);
      for (let i = 0; i < missing; i++) this.insert(now);
    }
    if (state.daily !== undefined && state.dailyRemaining !== undefined) {
      this.serverDaily = {
        limit: state.daily,
        used: state.daily - state.dailyRemaining,
        grantedThen: this.grantedToday,
      };
    }
    this.pump();
  }

  /** Daily usage, or null while no daily limit is known (none configured, none reported). */
  usage(): RateUsage | null {
    const limit = this.dailyLimit();
    if (limit === undefined) return null;
    return { used: this.dailyUsed(), limit, windowUsed: this.countIn(this.now() - this.span, this.now()) };
  }

  private dailyLimit(): number | undefined {
    const limits = [this.options.dailyLimit, this.serverDaily?.limit].filter((l) => l !== undefined);
    return limits.length > 0 ? Math.min(...limits) : undefined;
  }

  private dailyUsed(): number {
    const server = this.serverDaily;
    return server ? server.used + (this.grantedToday - server.grantedThen) : this.grantedToday;
  }

  private capacity(): number {
    return Math.min(this.options.max, this.serverMax ?? Number.POSITIVE_INFINITY);
  }

  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiters.length > 0) {
      const limit = this.dailyLimit();
      if (this.dailyRefused || (limit !== undefined && this.dailyUsed() >= limit)) {
        const error = new DailyLimitReached(this.dailyUsed(), limit);
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        return;
      }
      const now = this.now();
      if (now < this.pausedUntil) {
        this.wakeAt(this.pausedUntil, now);
        return;
      }
      this.forget(now);
      const first = this.log.findIndex((t) => t > now - this.span);
      const active = first === -1 ? 0 : this.log.length - first;
      const capacity = this.capacity();
      if (active >= capacity) {
        this.wakeAt((this.log[first + active - capacity] as number) + this.span, now);
        return;
      }
      this.insert(now);
      this.grantedToday += 1;
      this.waiters.shift()?.resolve(now);
    }
  }

  private wakeAt(at: number, now: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(1, at - now));
  }

  /** Keeps a second span of history: a slow answer is compared with everything since it left. */
  private forget(now: number): void {
    let drop = 0;
    while (drop < this.log.length && (this.log[drop] as number) <= now - 2 * this.span) drop++;
    if (drop > 0) this.log.splice(0, drop);
  }

  private countIn(after: number, upTo: number): number {
    let count = 0;
    for (const t of this.log) if (t > after && t <= upTo) count++;
    return count;
  }

  private insert(at: number): void {
    let index = this.log.length;
    while (index > 0 && (this.log[index - 1] as number) > at) index--;
    this.log.splice(index, 0, at);
  }
}

function defaultMargin(windowMs: number): number {
  return Math.min(250, Math.max(20, windowMs * 0.02));
}
