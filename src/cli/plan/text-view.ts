import pc from 'picocolors';
import type { PlanReport } from '../../review/plan-report.js';
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

/** The plan for a terminal: a legend of the symbols used, one block per sync, one summary line. */
export function planText(plan: PlanReport): string {
  const lines: string[] = [];
  const symbols = usedSymbols(plan);
  if (symbols.length > 0) {
    lines.push('Symbols used:');
    for (const name of symbols) lines.push(`  ${SYMBOLS[name].mark} ${SYMBOLS[name].meaning}`);
    lines.push('');
  }
  for (const sync of plan.syncs.filter(hasSomethingToShow)) {
    const what = [definitionWord(sync), `mode ${sync.mode}`].filter(Boolean).join(', ');
    lines.push(`${pc.bold(`${syncMark(sync)} ${sync.id}`)}  ${what}`);
    for (const change of sync.changes) lines.push(`    ${changeLine(change)}`);
    if (sync.error) lines.push(pc.red(`    could not be planned: ${sync.error}`));
    if (sync.not_planned) lines.push(`    not planned: ${sync.not_planned}`);
    const impact = sync.impact;
    if (impact) {
      if (impact.refused) lines.push(pc.red(`    ${SYMBOLS.refused.mark} ${impact.refused}`));
      lines.push(`    ${impactCounts(sync)}`);
      const fields = fieldsChangedLine(sync);
      if (fields) lines.push(`    ${fields}`);
      for (const sample of impact.samples) {
        lines.push(`    ${sampleMark(sample)} ${sample.key ?? '(null key)'} (${sample.reason})`);
        for (const field of sample.fields) {
          lines.push(`        ${field.field}: ${formatValue(field.before)} → ${formatValue(field.after)}`);
        }
      }
    }
    lines.push('');
  }
  const calls = apiCallsLine(plan);
  if (calls) lines.push(calls);
  lines.push(pc.bold(summaryLine(plan)));
  lines.push(verdict(plan));
  return `${lines.join('\n')}\n`;
}
