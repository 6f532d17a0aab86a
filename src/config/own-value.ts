/**
 * `record[key]` only when `key` is the record's own entry. Destination and target names are
 * user data: `constructor` or `toString` must find nothing rather than Object.prototype's members.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
