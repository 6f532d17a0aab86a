import { createHmac } from 'node:crypto';
import type { AlertChannelConfig } from '../config/types.js';
import { redact } from '../util/redact.js';
import type { AlertMessage } from './message.js';
import { emailView } from './views/email.js';
import { pagerdutyEvents } from './views/pagerduty.js';
import { slackView } from './views/slack.js';
import { webhookView } from './views/webhook.js';

const TIMEOUT_MS = 15_000;
export const DEFAULT_PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** The signature a webhook receiver checks: `sha256=<hex HMAC-SHA256 of the exact body>`. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Sends one message to one channel; throws, with the channel's answer, when it is not taken. */
export async function sendAlert(
  channel: AlertChannelConfig,
  message: AlertMessage,
  now = new Date(),
): Promise<void> {
  switch (channel.type) {
    case 'email': {
      const view = emailView(message);
      const url = new URL(channel.smtpUrl);
      for (const [key, value] of [
        ['connectionTimeout', TIMEOUT_MS],
        ['greetingTimeout', TIMEOUT_MS],
        ['socketTimeout', TIMEOUT_MS],
      ] as const) {
        if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
      }
      // Loaded only when an email goes out: most runs send none.
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport(url.toString());
      try {
        await transport.sendMail({
          from: channel.from ?? 'dbt-spoke <spoke@localhost>',
          to: channel.to,
          subject: view.subject,
          text: view.text,
          html: view.html,
          messageId: `<${message.id.replace(/[^A-Za-z0-9.-]/g, '.')}@dbt-spoke>`,
          headers: { 'X-Spoke-Message-Id': message.id },
        });
      } finally {
        transport.close();
      }
      return;
    }
    case 'slack':
      await post(channel.webhookUrl, JSON.stringify(slackView(message)), {});
      return;
    case 'webhook': {
      const body = JSON.stringify(webhookView(message, now));
      const timestamp = String(Math.floor(now.getTime() / 1000));
      await post(channel.url, body, {
        'X-Spoke-Message-Id': message.id,
        'X-Spoke-Timestamp': timestamp,
        ...(channel.secret ? { 'X-Spoke-Signature': webhookSignature(channel.secret, body) } : {}),
      });
      return;
    }
    case 'pagerduty':
      for (const event of pagerdutyEvents(message, channel.routingKey)) {
        await post(channel.eventsUrl ?? DEFAULT_PAGERDUTY_EVENTS_URL, JSON.stringify(event), {});
      }
      return;
  }
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      redact(
        `could not reach ${new URL(url).host}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      ),
    );
  }
  if (response.ok) return;
  const text = (await response.text().catch(() => '')).slice(0, 300);
  throw new Error(redact(`${new URL(url).host} answered HTTP ${response.status}${text ? `: ${text}` : ''}`));
}
