/** `2026-05-01 08:00:03` from ISO text: UTC, to the second. */
export function formatTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '';
}

/** `0.4s`, `12.3s`, `4m 05s`, `1h 02m`; empty while running. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** What to say when the schema holds no run history. */
export function neverSynced(schema: string, target: string): string {
  return `No runs recorded yet: the state schema "${schema}" of target ${target} holds no run history. \`spoke sync\` or \`spoke dbt build\` records every run there.`;
}
