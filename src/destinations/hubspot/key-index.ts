/**
 * Maps values HubSpot echoes back (trace ids, unique property values) to the caller's keys.
 * Falls back to a case-insensitive match because HubSpot stores email addresses lower-cased.
 */
export class KeyIndex {
  private readonly exact = new Set<string>();
  private readonly folded = new Map<string, string>();

  constructor(keys: Iterable<string>) {
    for (const key of keys) {
      this.exact.add(key);
      if (!this.folded.has(key.toLowerCase())) this.folded.set(key.toLowerCase(), key);
    }
  }

  resolve(value: string | null | undefined): string | undefined {
    if (value === null || value === undefined) return undefined;
    return this.exact.has(value) ? value : this.folded.get(value.toLowerCase());
  }
}
