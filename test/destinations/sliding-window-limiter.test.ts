import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlidingWindowLimiter } from '../../src/destinations/rate-limit/sliding-window-limiter.js';

// The limiter's clock and timers are faked so a 10 s window can be stepped through exactly.
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function grantTime(limiter: SlidingWindowLimiter): Promise<number> {
  const granted = limiter.acquire();
  await vi.runAllTimersAsync();
  return granted;
}

describe('SlidingWindowLimiter: when a slot frees', () => {
  it('frees an answered request a window (plus 20 ms) after its answer, not after the full in-flight margin', async () => {
    const limiter = new SlidingWindowLimiter({ max: 2, windowMs: 10_000 });
    const first = await grantTime(limiter);
    const second = await grantTime(limiter);
    expect([first, second]).toEqual([0, 0]);
    vi.setSystemTime(100);
    limiter.settle(first);
    limiter.settle(second);

    const third = await grantTime(limiter);
    // The server counted the request before it answered at 100 ms: 10,100 ms is the earliest
    // safe time; the in-flight margin (200 ms) would have waited until 10,300 ms.
    expect(third).toBe(10_120);
  });

  it('keeps the full margin for a request whose answer has not come', async () => {
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 10_000 });
    await grantTime(limiter);
    const next = await grantTime(limiter);
    expect(next).toBe(10_200);
  });

  it('takes an explicit answered margin', async () => {
    const limiter = new SlidingWindowLimiter({ max: 1, windowMs: 1_000, marginMs: 50, answeredMarginMs: 50 });
    const first = await grantTime(limiter);
    vi.setSystemTime(30);
    limiter.settle(first);
    expect(await grantTime(limiter)).toBe(1_080);
  });
});
