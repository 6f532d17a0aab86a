import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENQUEUE_HOOK, withEnqueueHook } from '../../src/dbt/enqueue-hook.js';
import { withSpokePackage } from '../../src/dbt/spoke-package-entry.js';
import { appendToList } from '../../src/dbt/yaml-append.js';
import { SpokeError } from '../../src/errors.js';

const item = { block: '"new"', flow: '"new"', comment: 'added' };

describe('appendToList', () => {
  it('adds one line at the indentation of a block list and keeps every other byte', () => {
    const text = `name: x   # keep me
hooks:
    - "a"   # first
    - b
# trailing comment
vars: { k: [1, 2] }
`;
    const out = appendToList(text, 'hooks', item);
    expect(out).toBe(`name: x   # keep me
hooks:
    - "a"   # first
    - b
    # added
    - "new"
# trailing comment
vars: { k: [1, 2] }
`);
    expect(parse(out).hooks).toEqual(['a', 'b', 'new']);
  });

  it('turns a single value or a flow list into a flow list with the item last', () => {
    expect(parse(appendToList('hooks: "a"\nz: 1\n', 'hooks', item))).toEqual({ hooks: ['a', 'new'], z: 1 });
    expect(appendToList('hooks: ["a", b]\n', 'hooks', item)).toBe('hooks: ["a", b, "new"]\n');
    expect(parse(appendToList('hooks:\nz: 1\n', 'hooks', item))).toEqual({ hooks: ['new'], z: 1 });
  });

  it('adds the key at the end when it is missing, with or without a final newline', () => {
    expect(appendToList('name: x', 'hooks', item)).toBe('name: x\n\nhooks:\n  # added\n  - "new"\n');
    expect(appendToList('', 'hooks', item)).toBe('hooks:\n  # added\n  - "new"\n');
    expect(parse(appendToList('a:\n  - 1', 'a', item))).toEqual({ a: [1, 'new'] });
  });
});

describe('withEnqueueHook', () => {
  it('appends the hook after the hooks a project has, and changes nothing when it is there', () => {
    const text = 'name: shop\non-run-end:\n  - "{{ grant_select() }}"\n';
    const out = withEnqueueHook('dbt_project.yml', text);
    expect(parse(out ?? '')['on-run-end']).toEqual(['{{ grant_select() }}', ENQUEUE_HOOK]);
    expect(withEnqueueHook('dbt_project.yml', out ?? '')).toBeNull();
  });

  it('refuses a file that is not a dbt project mapping, naming the file', () => {
    expect(() => withEnqueueHook('/p/dbt_project.yml', '- a\n- b\n')).toThrow(
      /\/p\/dbt_project.yml is not a valid dbt project file/,
    );
  });
});

describe('withSpokePackage', () => {
  const never = () => false;

  it('writes a new packages.yml with the local package', () => {
    const out = withSpokePackage('packages.yml', null, 'node_modules/dbt-spoke', never);
    expect(parse(out ?? '')).toEqual({ packages: [{ local: 'node_modules/dbt-spoke' }] });
  });

  it('appends to the packages a project has and recognises one that already is spoke', () => {
    const text = 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n';
    const out = withSpokePackage('packages.yml', text, '../dbt-spoke', never);
    expect(parse(out ?? '').packages).toEqual([
      { package: 'dbt-labs/dbt_utils', version: '1.3.0' },
      { local: '../dbt-spoke' },
    ]);
    expect(
      withSpokePackage('packages.yml', out, '../dbt-spoke', (entry) => entry.local === '../dbt-spoke'),
    ).toBeNull();
  });

  it('refuses packages that are not a list, naming the file and the fix', () => {
    const error = (() => {
      try {
        withSpokePackage('/p/packages.yml', 'packages: dbt_utils\n', 'x', never);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpokeError);
    expect((error as SpokeError).message).toBe(
      '/p/packages.yml: `packages` is not a list. Make it a list of packages, then run spoke init again.',
    );
  });
});
