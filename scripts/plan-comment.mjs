#!/usr/bin/env node
// Builds the body of the pull-request comment `spoke plan` results are posted in, from what
// `spoke plan --format markdown` printed and how it exited. Posting it (create, or update the
// comment that starts with the marker) is the workflow's own step: see
// dbt_project_example/.github/workflows/spoke-plan.yml and docs/review.md.
//
//   node plan-comment.mjs --plan plan.md --stderr plan.err --exit-code 2 [--run-url URL] > comment.md
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const MARKER = '<!-- spoke-plan -->';
export const LIMIT = 65_536;

/**
 * Exit 0 (no changes) and 2 (changes) come with the plan's markdown; anything else means the plan
 * did not run to the end, and the comment says so with the end of its error output.
 */
export function commentBody({ plan, stderr, exitCode, runUrl }) {
  const link = runUrl ? `\n\n[The CI run](${runUrl}) has the whole output.` : '';
  if ((exitCode === 0 || exitCode === 2) && plan.trim().startsWith(MARKER)) {
    const body = plan.trimEnd() + link;
    return body.length <= LIMIT
      ? `${body}\n`
      : `${body.slice(0, LIMIT - 200)}\n\n_(cut at GitHub's comment limit)_${link}\n`;
  }
  const partial = plan.trim().startsWith(MARKER);
  const tail = stderr.trim().split('\n').slice(-40).join('\n').replaceAll('```', "'''");
  const head = [
    MARKER,
    '### spoke plan failed',
    '',
    partial
      ? `\`spoke plan\` exited ${exitCode}: part of the plan could not be made. What it found is below.`
      : `\`spoke plan\` exited ${exitCode} before it could plan anything.`,
    '',
  ];
  if (tail) head.push('```', tail, '```', '');
  const body = `${head.join('\n')}${partial ? `\n${plan.trim().slice(MARKER.length).trim()}` : ''}`;
  return `${body.slice(0, LIMIT - link.length - 1)}${link}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      plan: { type: 'string' },
      stderr: { type: 'string' },
      'exit-code': { type: 'string' },
      'run-url': { type: 'string' },
    },
  });
  const read = (file) => {
    try {
      return file ? readFileSync(file, 'utf8') : '';
    } catch {
      return '';
    }
  };
  process.stdout.write(
    commentBody({
      plan: read(values.plan),
      stderr: read(values.stderr),
      exitCode: Number(values['exit-code'] ?? 1),
      runUrl: values['run-url'] ?? null,
    }),
  );
}
