import type { AlertedSync, AlertMessage, ErrorSummary } from '../message.js';

/** "2 syncs failing on target prod" / "crm_accounts:salesforce.Account recovered on target prod". */
export function title(message: AlertMessage): string {
  const count = message.syncs.length + message.moreSyncs;
  const what = count === 1 ? (message.syncs[0]?.id ?? '1 sync') : `${count} syncs`;
  switch (message.kind) {
    case 'failure':
      return `${what} ${count === 1 ? 'is' : 'are'} failing on target ${message.target}`;
    case 'recovery':
      return `${what} recovered on target ${message.target}`;
    case 'test':
      return `Test alert from dbt-spoke (target ${message.target}): this channel works`;
  }
}

export function countsLine(sync: AlertedSync): string {
  const c = sync.counts;
  return (
    `${c.rows} rows: ${c.attempted} sent, ${c.created} created, ${c.updated} updated` +
    (c.deleted ? `, ${c.deleted} deleted` : '') +
    `, ${c.failed} failed, ${c.invalid} invalid` +
    (c.stillFailing ? `, ${c.stillFailing} still failing` : '')
  );
}

/** Recovery: "failing for 3h 12m, 4 runs". */
export function recoveryLine(sync: AlertedSync, now: string): string | null {
  if (!sync.failingSince) return null;
  const ms = Date.parse(now) - Date.parse(sync.failingSince);
  const runs = sync.failingRuns ?? 0;
  return `was failing for ${duration(ms)} (${runs} failing run${runs === 1 ? '' : 's'}, since ${sync.failingSince})`;
}

export function errorLine(error: ErrorSummary): string {
  const keys =
    error.sampleKeys.length > 0
      ? ` (${error.sampleKeys.join(', ')}${error.count > error.sampleKeys.length ? ', …' : ''})`
      : '';
  return `${error.code} ×${error.count}${keys}: ${error.message}`;
}

/** Where to see everything. */
export function seeAll(message: AlertMessage): string | null {
  if (message.kind === 'test') return null;
  const parts = [message.command ? `\`${message.command}\`` : null, message.url].filter(Boolean);
  return parts.length > 0 ? `See every record: ${parts.join(' or ')}` : null;
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
