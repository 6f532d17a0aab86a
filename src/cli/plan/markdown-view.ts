import type { PlanReport, SyncPlanEntry } from '../../review/plan-report.js';
import {
  apiCallsLine,
  changeLine,
  definitionWord,
  fieldsChangedLine,
  formatValue,
  hasSomethingToShow,
  impactCounts,
  SYMBOLS,
  sampleMark,
  summaryLine,
  syncMark,
  usedSymbols,
  verdict,
} from './plan-text.js';

/** GitHub refuses a comment body above this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** First line of every plan comment: how the CI script finds the comment to update. */
export const COMMENT_MARKER = '<!-- spoke-plan -->';

/**
 * The plan as a pull-request comment: the summary and a table first, then one collapsible block
 * per sync. Kept under `limit` characters: blocks that do not fit are left out, and a note says
 * how many and where to see them all.
 */
export function planMarkdown(plan: PlanReport, limit = GITHUB_COMMENT_LIMIT): string {
  const head: string[] = [
    COMMENT_MARKER,
    `### spoke plan: ${plan.target}`,
    '',
    `**${summaryLine(plan)}**`,
    '',
    verdict(plan),
    '',
  ];
  const shown = plan.syncs.filter(hasSomethingToShow);
  if (shown.length > 0) {
    head.push(
      plan.impact
        ? '| | sync | definition | create | update | delete | invalid | unchanged |'
        : '| | sync | definition | mode |',
      plan.impact ? '|---|---|---|--:|--:|--:|--:|--:|' : '|---|---|---|---|',
    );
    // The table may take half the comment; syncs beyond that are counted in the summary line.
    let size = head.join('\n').length;
    let left = 0;
    for (const sync of shown) {
      const row = tableRow(plan, sync);
      size += row.length + 1;
      if (left === 0 && size <= limit / 2) head.push(row);
      else left++;
    }
    if (left > 0)
      head.push(
        '',
        `_${left} more sync${left === 1 ? '' : 's'} with changes are not in this table (see the summary line)._`,
      );
    head.push('');
  }
  const symbols = usedSymbols(plan);
  if (symbols.length > 0)
    head.push(
      `Symbols: ${symbols.map((name) => `\`${SYMBOLS[name].mark}\` ${SYMBOLS[name].meaning}`).join(', ')}.`,
      '',
    );
  const calls = apiCallsLine(plan);
  if (calls) head.push(calls, '');

  const tail = [
    '<sub>Planned read-only by `spoke plan`: nothing was written to the warehouse or any destination.</sub>',
    '',
  ];
  let body = `${head.join('\n')}\n`;
  const footer = tail.join('\n');
  let omitted = 0;
  for (const [index, sync] of shown.entries()) {
    const block = syncBlock(sync);
    const note = truncationNote(shown.length - index, plan);
    if (omitted === 0 && body.length + block.length + note.length + footer.length <= limit) body += block;
    else omitted++;
  }
  if (omitted > 0) body += truncationNote(omitted, plan);
  return body + footer;
}

function truncationNote(omitted: number, plan: PlanReport): string {
  return (
    `> [!NOTE]\n> The details of ${omitted} more sync${omitted === 1 ? '' : 's'} are left out: a comment holds at most ` +
    `${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters. The table above counts every sync; run ` +
    `\`spoke plan${plan.impact ? ' --impact' : ''}\` or see the JSON plan (\`--format json\`) for all of them.\n\n`
  );
}

function tableRow(plan: PlanReport, sync: SyncPlanEntry): string {
  const mark = `\`${syncMark(sync)}\``;
  const definition = sync.definition ?? '';
  if (!plan.impact) return `| ${mark} | \`${cell(sync.id)}\` | ${definition} | ${sync.mode} |`;
  const i = sync.impact;
  if (!i) {
    const why = sync.error
      ? 'could not be planned'
      : sync.definition === 'removed' || sync.not_planned
        ? 'not planned'
        : '';
    return `| ${mark} | \`${cell(sync.id)}\` | ${definition} | ${why} | | | | |`;
  }
  if (i.refused)
    return `| ${mark} | \`${cell(sync.id)}\` | ${definition} | **refused** | | ${i.delete} | | |`;
  return `| ${mark} | \`${cell(sync.id)}\` | ${definition} | ${i.create} | ${i.update} | ${i.delete} | ${i.invalid} | ${i.unchanged} |`;
}

function syncBlock(sync: SyncPlanEntry): string {
  const lines: string[] = [];
  const what = [definitionWord(sync), `${sync.destination}.${sync.object}`, `mode ${sync.mode}`]
    .filter(Boolean)
    .join(', ');
  lines.push(
    '<details>',
    `<summary><code>${html(`${syncMark(sync)} ${sync.id}`)}</code> ${html(what)}</summary>`,
    '',
  );
  if (sync.definition === 'removed')
    lines.push(
      `No record is deleted: spoke stops syncing ${html(sync.model)} to ${html(`${sync.destination}.${sync.object}`)}.`,
      '',
    );
  if (sync.error) lines.push(`Could not be planned: ${html(sync.error)}`, '');
  if (sync.not_planned) lines.push(`Not planned: ${html(sync.not_planned)}`, '');
  const impact = sync.impact;
  if (impact) {
    if (impact.refused) lines.push(`**Would be refused:** ${html(impact.refused)}`, '');
    lines.push(html(impactCounts(sync)), '');
    const fields = fieldsChangedLine(sync);
    if (fields) lines.push(html(fields), '');
  }
  const code: string[] = sync.changes.map(changeLine);
  for (const sample of impact?.samples ?? []) {
    code.push(`${sampleMark(sample)} ${sample.key ?? '(null key)'} (${sample.reason})`);
    for (const field of sample.fields)
      code.push(`    ${field.field}: ${formatValue(field.before)} → ${formatValue(field.after)}`);
  }
  if (code.length > 0)
    lines.push('```diff', ...code.map((line) => line.replaceAll('```', '`\u200b``')), '```', '');
  lines.push('</details>', '', '');
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('`', "'");
}

function html(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
