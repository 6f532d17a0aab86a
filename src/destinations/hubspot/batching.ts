/**
 * Splits records so no request names the same key twice (HubSpot refuses such batches): the
 * n-th occurrence of a key goes to round n, rounds run in order so the last value wins.
 */
export function distinctRounds<T extends { key: string }>(records: T[]): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const round = seen.get(record.key) ?? 0;
    seen.set(record.key, round + 1);
    const bucket = rounds[round] ?? [];
    bucket.push(record);
    rounds[round] = bucket;
  }
  return rounds;
}
