import { renderEnvVarsDeep } from '../dbt/env-var.js';
import type { Diagnostic } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import { channelSecretKeys } from './spoke-yml-schema.js';
import type { AlertChannelConfig, AlertSettings } from './types.js';

const ENV_VAR_ONLY =
  /^\s*\{\{\s*env_var\s*\(\s*(?:'[^']*'|"[^"]*")\s*(?:,\s*(?:'[^']*'|"[^"]*")\s*)?\)\s*\}\}\s*$/;

/** Default share of a sync's rows not synced above which it counts as failing. */
export const DEFAULT_FAILED_RECORDS_RATIO = 0.05;

type Locate = (path: readonly PropertyKey[]) => string;

interface WrittenChannel {
  type: 'email' | 'slack' | 'webhook' | 'pagerduty';
  name?: string;
  [key: string]: unknown;
}

export interface WrittenAlerts {
  channels?: WrittenChannel[];
  failed_records_ratio?: number;
  recover_after?: number;
  max_staleness?: string;
  public_url?: string;
}

/** The name a channel is known by: its own, else its type (numbered when the type repeats). */
function channelNames(channels: readonly WrittenChannel[]): string[] {
  return channels.map((channel) => {
    if (channel.name) return channel.name;
    const sameType = channels.filter((c) => !c.name && c.type === channel.type);
    return sameType.length > 1 ? `${channel.type}-${sameType.indexOf(channel) + 1}` : channel.type;
  });
}

/** Credentials only through env_var(), and channel names that identify one channel. */
export function alertRules(alerts: WrittenAlerts | undefined, locate: Locate): Diagnostic[] {
  const channels = alerts?.channels ?? [];
  const problems: Diagnostic[] = [];
  channels.forEach((channel, index) => {
    for (const key of channelSecretKeys) {
      const value = channel[key];
      if (typeof value !== 'string' || ENV_VAR_ONLY.test(value)) continue;
      const path = ['alerts', 'channels', index, key];
      problems.push({
        file: locate(path),
        field: path.join('.'),
        message: `\`${key}\` is a literal value; alert credentials are read only through env_var() so they never live in the repository.`,
        fix: `${key}: "{{ env_var('${`SPOKE_ALERT_${key}`.toUpperCase()}') }}" and set that variable where dbt-spoke runs`,
      });
    }
  });
  const names = channelNames(channels);
  names.forEach((name, index) => {
    if (names.indexOf(name) === index) return;
    const path = ['alerts', 'channels', index, 'name'];
    problems.push({
      file: locate(['alerts', 'channels', index]),
      field: path.join('.'),
      message: `alert channel name \`${name}\` is used twice.`,
      fix: 'give each channel its own `name`',
    });
  });
  return problems;
}

/** The alert settings with env_var() rendered; their credentials are masked in every output from here on. */
export function normaliseAlerts(
  alerts: WrittenAlerts | undefined,
  options: { file: string; env: NodeJS.ProcessEnv },
): AlertSettings | null {
  if (!alerts) return null;
  const written = alerts.channels ?? [];
  const names = channelNames(written);
  const all = written.map((channel, index): AlertChannelConfig => {
    const rendered = renderEnvVarsDeep(channel, options) as Record<string, unknown>;
    for (const key of channelSecretKeys) registerSecret(rendered[key] as string | undefined);
    const name = names[index] as string;
    const text = (key: string) => (typeof rendered[key] === 'string' ? (rendered[key] as string) : undefined);
    switch (channel.type) {
      case 'email': {
        const to = rendered.to;
        return {
          type: 'email',
          name,
          to: Array.isArray(to) ? to.map(String) : [String(to)],
          smtpUrl: text('smtp_url') ?? '',
          ...(text('from') ? { from: text('from') as string } : {}),
        };
      }
      case 'slack':
        return { type: 'slack', name, webhookUrl: text('webhook_url') ?? '' };
      case 'webhook':
        return {
          type: 'webhook',
          name,
          url: text('url') ?? '',
          ...(text('secret') ? { secret: text('secret') as string } : {}),
        };
      default:
        return {
          type: 'pagerduty',
          name,
          routingKey: text('routing_key') ?? '',
          ...(text('events_url') ? { eventsUrl: text('events_url') as string } : {}),
        };
    }
  });
  // A channel whose endpoint or key renders empty (`env_var('X', '')` unset here) is off.
  const channels = all.filter((channel) => endpointOf(channel) !== '');
  return {
    channels,
    disabledChannels: all.filter((channel) => endpointOf(channel) === '').map((channel) => channel.name),
    failedRecordsRatio: alerts.failed_records_ratio ?? DEFAULT_FAILED_RECORDS_RATIO,
    recoverAfter: alerts.recover_after ?? 1,
    maxStalenessMs: alerts.max_staleness ? durationMs(alerts.max_staleness) : null,
    publicUrl: alerts.public_url ? alerts.public_url.replace(/\/+$/, '') : null,
  };
}

function endpointOf(channel: AlertChannelConfig): string {
  switch (channel.type) {
    case 'email':
      return channel.smtpUrl.trim();
    case 'slack':
      return channel.webhookUrl.trim();
    case 'webhook':
      return channel.url.trim();
    case 'pagerduty':
      return channel.routingKey.trim();
  }
}

function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(m|h|d)$/.exec(text.trim());
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[(match?.[2] ?? 'h') as 'm' | 'h' | 'd'];
  return Math.round(Number(match?.[1] ?? 0) * unit);
}
