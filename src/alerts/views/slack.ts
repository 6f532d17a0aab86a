import type { AlertMessage } from '../message.js';
import { countsLine, errorLine, recoveryLine, seeAll, title } from './summary.js';

/** Slack caps a section's text at 3,000 characters and a message at 50 blocks. */
const MAX_TEXT = 2_900;
const MAX_BLOCKS = 48;

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);
const mrkdwn = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A Block Kit message: a header, a section per sync, and where to see everything. */
export function slackView(message: AlertMessage): { text: string; blocks: unknown[] } {
  const icon =
    message.kind === 'failure'
      ? ':red_circle:'
      : message.kind === 'recovery'
        ? ':large_green_circle:'
        : ':wrench:';
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title(message).slice(0, 150) } },
  ];
  for (const sync of message.syncs) {
    const lines = [
      `${icon} *${mrkdwn(sync.id)}* — model \`${mrkdwn(sync.model)}\` → ${mrkdwn(sync.destination)} ${mrkdwn(sync.object)}`,
      sync.reason ? `*Why:* ${mrkdwn(sync.reason)}` : null,
      (() => {
        const line = recoveryLine(sync, message.createdAt);
        return line ? mrkdwn(line) : null;
      })(),
      mrkdwn(countsLine(sync)),
      ...(sync.newlyFailing.length > 0
        ? ['*Newly failing:*', ...sync.newlyFailing.map((e) => `• \`${mrkdwn(errorLine(e))}\``)]
        : []),
      ...(sync.stillFailing.length > 0
        ? [
            '*Still failing from earlier runs:*',
            ...sync.stillFailing.map((e) => `• \`${mrkdwn(errorLine(e))}\``),
          ]
        : []),
    ].filter((line): line is string => line !== null);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n')) } });
  }
  if (message.moreSyncs > 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `… and ${message.moreSyncs} more syncs.` },
    });
  }
  const see = seeAll(message);
  const context = [
    see ? mrkdwn(see) : null,
    `run ${message.runId ?? '-'} · target ${message.target} · alert ${message.id}`,
  ];
  blocks.push({
    type: 'context',
    elements: context
      .filter((text): text is string => text !== null)
      .map((text) => ({ type: 'mrkdwn', text: clip(text) })),
  });
  return { text: title(message), blocks: blocks.slice(0, MAX_BLOCKS) };
}
