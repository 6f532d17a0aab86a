/**
 * Commits queued writes in groups: while one transaction runs, what arrives queues, and the next
 * transaction takes all of it (up to `maxSize`). An idle committer starts at once, so no write
 * waits longer than the transaction ahead of it plus its own. Each `submit` resolves only once
 * the transaction holding it committed, and rejects when its own writes could not be committed.
 *
 * A group's writes may belong to several owners (syncs). When a group's transaction fails,
 * nothing of it was written, and one owner's bad row must not fail the others: each owner's
 * writes are committed again in a transaction of their own, in the order they came, so only the
 * owner whose writes fail again sees the failure. (A COMMIT whose answer was lost may have taken
 * effect; writing the same rows again leaves the same state, at worst a record_log row twice.)
 */
export class GroupCommitter<T> {
  private queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private draining = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly size: (item: T) => number,
    private readonly maxSize: number,
    private readonly ownerOf: (item: T) => string = () => '',
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
        await this.commitGroup(this.queue.splice(0, taken));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(group: GroupCommitter<T>['queue']): Promise<void> {
    try {
      await this.commit(group.map(({ item }) => item));
      for (const { resolve } of group) resolve();
      return;
    } catch (error) {
      const owners = new Map<string, GroupCommitter<T>['queue']>();
      for (const entry of group) {
        const owner = this.ownerOf(entry.item);
        const own = owners.get(owner) ?? [];
        own.push(entry);
        owners.set(owner, own);
      }
      if (owners.size === 1) {
        for (const { reject } of group) reject(error);
        return;
      }
      for (const own of owners.values()) {
        try {
          await this.commit(own.map(({ item }) => item));
          for (const { resolve } of own) resolve();
        } catch (ownError) {
          for (const { reject } of own) reject(ownError);
        }
      }
    }
  }
}
