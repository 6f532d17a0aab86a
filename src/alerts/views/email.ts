import type { AlertMessage } from '../message.js';
import { countsLine, errorLine, recoveryLine, seeAll, title } from './summary.js';

export interface EmailView {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A plain-text and an HTML part with the same content. */
export function emailView(message: AlertMessage): EmailView {
  const subject = `[dbt-spoke] ${title(message)}`;
  const text: string[] = [title(message), ''];
  const html: string[] = [`<h2>${escapeHtml(title(message))}</h2>`];
  for (const sync of message.syncs) {
    text.push(`${sync.id} (model ${sync.model}, ${sync.destination} ${sync.object})`);
    html.push(
      `<h3>${escapeHtml(sync.id)}</h3><p>model <b>${escapeHtml(sync.model)}</b>, ${escapeHtml(sync.destination)} ${escapeHtml(sync.object)}</p>`,
    );
    const lines = [
      sync.reason ? `Why: ${sync.reason}` : null,
      recoveryLine(sync, message.createdAt),
      countsLine(sync),
    ].filter((line): line is string => line !== null);
    text.push(...lines.map((line) => `  ${line}`));
    html.push(`<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
    for (const [label, errors] of [
      ['Newly failing', sync.newlyFailing],
      ['Still failing from earlier runs', sync.stillFailing],
    ] as const) {
      if (errors.length === 0) continue;
      text.push(`  ${label}:`, ...errors.map((error) => `    ${errorLine(error)}`));
      html.push(
        `<p>${label}:</p><ul>${errors.map((error) => `<li><code>${escapeHtml(errorLine(error))}</code></li>`).join('')}</ul>`,
      );
    }
    text.push('');
  }
  if (message.moreSyncs > 0) {
    text.push(`… and ${message.moreSyncs} more syncs.`, '');
    html.push(`<p>… and ${message.moreSyncs} more syncs.</p>`);
  }
  const see = seeAll(message);
  if (see) {
    text.push(see);
    html.push(`<p>${escapeHtml(see)}</p>`);
  }
  text.push('', `Run ${message.runId ?? '-'} · target ${message.target} · alert ${message.id}`);
  html.push(
    `<p style="color:#666">Run ${escapeHtml(message.runId ?? '-')} · target ${escapeHtml(message.target)} · alert ${escapeHtml(message.id)}</p>`,
  );
  return { subject, text: `${text.join('\n')}\n`, html: html.join('\n') };
}
