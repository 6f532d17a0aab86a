import { describe, expect, it } from 'vitest';
import { COMMENT_MARKER, planMarkdown } from '../../src/cli/plan/markdown-view.js';
import { planText } from '../../src/cli/plan/text-view.js';
import { assemblePlanReport } from '../../src/review/assemble-plan-report.js';
import type { PlanReport, SyncImpact, SyncPlanEntry } from '../../src/review/plan-report.js';

function impact(overrides: Partial<SyncImpact> = {}): SyncImpact {
  return {
    rows: 10,
    create: 0,
    update: 0,
    delete: 0,
    skip: 0,
    invalid: 0,
    unchanged: 10,
    still_failing: 0,
    uncertain: 0,
    refused: null,
    fields_changed: {},
    samples: [],
    api_calls: 0,
    ...overrides,
  };
}

function sync(id: string, overrides: Partial<SyncPlanEntry> = {}): SyncPlanEntry {
  return {
    id,
    model: id.split(':')[0]!,
    destination: 'salesforce',
    object: 'Account',
    mode: 'upsert',
    definition: 'unchanged',
    changes: [],
    impact: impact(),
    error: null,
    not_planned: null,
    ...overrides,
  };
}

function plan(syncs: SyncPlanEntry[]): PlanReport {
  return assemblePlanReport({
    target: 'dev',
    stateTarget: 'dev',
    base: 'base/',
    impact: true,
    syncs,
    destination: () => ({ type: 'salesforce', dailyLimit: null }),
  });
}

const updating = sync('crm_accounts:salesforce.Account', {
  impact: impact({
    update: 2,
    unchanged: 8,
    fields_changed: { Name: 2 },
    samples: [
      {
        key: 'acc_1',
        action: 'update',
        reason: 'changed',
        fields: [{ field: 'Name', before: 'Old', after: 'New' }],
      },
    ],
  }),
});

describe('the plan views', () => {
  it('says "No changes" when nothing would be written, with no legend', () => {
    const text = planText(plan([sync('a:salesforce.Account')]));
    expect(text).not.toContain('Symbols used');
    expect(text).toContain(
      'Plan: 0 to create, 0 to update, 0 to delete, 0 invalid, 0 syncs added, 0 changed, 0 removed, 1 sync unchanged.',
    );
    expect(text).toContain('No changes.');
  });

  it('lists only the symbols the plan uses, and each update field before → after', () => {
    const text = planText(plan([updating]));
    expect(text).toContain('Symbols used:\n  ~ update\n\n');
    expect(text).toContain('    ~ acc_1 (changed)\n        Name: "Old" → "New"');
    expect(text).toContain('fields the updates change: Name (2)');
  });

  it('says the plan failed part-way, naming the sync that could not be planned', () => {
    const broken = sync('b:hubspot.companies', { impact: null, error: 'relation main.b does not exist' });
    const text = planText(plan([updating, broken]));
    expect(text).toContain('could not be planned: relation main.b does not exist');
    expect(text).toContain('The plan failed part-way: 1 sync could not be planned');
    expect(text).not.toContain('No changes.');
  });

  it('keeps a pull-request comment under the size limit and says how many syncs it left out', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      sync(`model_${i}:salesforce.Account`, {
        impact: impact({
          update: 50,
          samples: Array.from({ length: 20 }, (_, k) => ({
            key: `key_${k}`,
            action: 'update' as const,
            reason: 'changed',
            fields: [{ field: 'Description', before: 'x'.repeat(40), after: 'y'.repeat(40) }],
          })),
        }),
      }),
    );
    const markdown = planMarkdown(plan(many));
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown.startsWith(COMMENT_MARKER)).toBe(true);
    const shown = markdown.split('<details>').length - 1;
    expect(shown).toBeGreaterThan(0);
    expect(markdown).toContain(`The details of ${400 - shown} more syncs are left out`);
    // The table still counts every sync.
    expect(markdown).toContain('`model_399:salesforce.Account`');
  });

  it('counts a refused mirror sync in no total, marks it, and still reports changes present', () => {
    const refused = sync('old_accounts:salesforce.Account', {
      mode: 'mirror',
      impact: impact({
        delete: 40,
        update: 3,
        refused: 'would delete 40 of the 100 records this sync manages',
      }),
    });
    const report = plan([refused]);
    expect([report.summary.delete, report.summary.update, report.summary.syncs_refused]).toEqual([0, 0, 1]);
    expect(report.changes_present).toBe(true);
    const text = planText(report);
    expect(text).toContain('  x would be refused');
    expect(text).toContain('x old_accounts:salesforce.Account');
  });

  it('stays under the limit however many syncs change', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      sync(`model_${i}:salesforce.Account`, { impact: impact({ create: 1 }) }),
    );
    const markdown = planMarkdown(plan(many));
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    expect(markdown).toMatch(/_\d+ more syncs with changes are not in this table/);
    expect(markdown).toContain('Plan: 5000 to create');
  });
});
