/**
 * Commits queued writes in groups: while one transaction runs, what arrives queues, and the next
 * transaction takes all of it (up to `maxSize`). An idle committer starts at once, so no write
 * waits longer than the transaction ahead of it plus its own. Each `submit` resolves only once
 * the transaction holding it committed, and rejects when that transaction failed (nothing of the
 * group was written then; a failed COMMIT may be ambiguous, so nothing is retried here).
 */
export class GroupCommitter<T> {
  private queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly size: (item: T) => number,
    private readonly maxSize: number,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        let taken = 1;
        let total = this.size(this.queue[0]!.item);
        while (taken < this.queue.length) {
          const next = this.size(this.queue[taken]!.item);
          if (total + next > this.maxSize) break;
          total += next;
          taken++;
        }
        const group = this.queue.splice(0, taken);
        try {
          await this.commit(group.map(({ item }) => item));
          for (const { resolve } of group) resolve();
        } catch (error) {
          for (const { reject } of group) reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
