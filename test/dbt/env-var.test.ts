import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderEnvVars, renderEnvVarsDeep } from '../../src/dbt/env-var.js';
import { SpokeError } from '../../src/errors.js';

const file = '/p/profiles.yml';

function errorOf(fn: () => unknown): SpokeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpokeError) return error;
    throw error;
  }
  throw new Error('expected a SpokeError');
}

describe('renderEnvVars', () => {
  it('replaces env_var calls with the value from the environment', () => {
    expect(renderEnvVars("host: {{ env_var('PGHOST') }}", { file, env: { PGHOST: 'db.local' } })).toBe(
      'host: db.local',
    );
  });

  it('accepts double quotes and no whitespace inside the braces', () => {
    expect(renderEnvVars('{{env_var("A")}}-{{  env_var( "B" , "x" )  }}', { file, env: { A: '1' } })).toBe(
      '1-x',
    );
  });

  it('uses the default only when the variable is unset, and an empty value counts as set', () => {
    expect(renderEnvVars("{{ env_var('PORT', '5432') }}", { file, env: {} })).toBe('5432');
    expect(renderEnvVars("{{ env_var('PORT', '5432') }}", { file, env: { PORT: '6543' } })).toBe('6543');
    expect(renderEnvVars("{{ env_var('PORT', '5432') }}", { file, env: { PORT: '' } })).toBe('');
  });

  it('ignores the int, as_number, as_bool and as_text filters', () => {
    const env = { N: '7' };
    expect(renderEnvVars("{{ env_var('N') | int }}", { file, env })).toBe('7');
    expect(renderEnvVars("{{ env_var('N', '1') | as_number }}", { file, env })).toBe('7');
    expect(renderEnvVars("{{ env_var('N')|as_bool }}", { file, env })).toBe('7');
    expect(renderEnvVars("{{ env_var('N') | as_text }}", { file, env })).toBe('7');
  });

  it('refuses an unset variable without default, naming the file, the variable and the fix', () => {
    const error = errorOf(() => renderEnvVars("{{ env_var('PGPASSWORD') }}", { file, env: {} }));
    expect(error.code).toBe('SPOKE_ENV_VAR');
    expect(error.message).toBe(
      "/p/profiles.yml: env var PGPASSWORD is not set and has no default. Set it, or write {{ env_var('PGPASSWORD', 'default') }}.",
    );
  });

  it('refuses var() and other Jinja expressions, saying they are not supported outside dbt', () => {
    const viaVar = errorOf(() => renderEnvVars("schema: {{ var('schema') }}", { file, env: {} }));
    expect(viaVar.code).toBe('SPOKE_ENV_VAR');
    expect(viaVar.message).toContain('/p/profiles.yml');
    expect(viaVar.message).toContain("{{ var('schema') }}");
    expect(viaVar.message).toContain('not supported outside dbt');

    const statement = errorOf(() => renderEnvVars('{% if target %}x{% endif %}', { file, env: {} }));
    expect(statement.message).toContain('{% if target %}');

    const concatenated = errorOf(() => renderEnvVars("{{ env_var('A') ~ 'x' }}", { file, env: { A: '1' } }));
    expect(concatenated.message).toContain("{{ env_var('A') ~ 'x' }}");
  });

  it('leaves text without Jinja untouched', () => {
    expect(renderEnvVars('plain: {value}', { file, env: {} })).toBe('plain: {value}');
  });
});

describe('renderEnvVarsDeep', () => {
  it('renders every string of a parsed YAML document and keeps rendered values as strings', () => {
    const doc = parse(`
default:
  target: "{{ env_var('TARGET', 'dev') }}"
  outputs:
    dev:
      port: "{{ env_var('PORT') | int }}"
      password: "{{ env_var('PW') }}"
      threads: 4
      tags: ["{{ env_var('TAG', 'a') }}", b]
`);
    const rendered = renderEnvVarsDeep(doc, { file, env: { PORT: '5432', PW: 'it\'s "quoted": yes' } });
    expect(rendered).toEqual({
      default: {
        target: 'dev',
        outputs: { dev: { port: '5432', password: 'it\'s "quoted": yes', threads: 4, tags: ['a', 'b'] } },
      },
    });
  });

  it('reports the first unsupported expression it meets inside nested values', () => {
    const error = errorOf(() => renderEnvVarsDeep({ a: [{ b: "{{ var('x') }}" }] }, { file, env: {} }));
    expect(error.code).toBe('SPOKE_ENV_VAR');
    expect(error.message).toContain("{{ var('x') }}");
  });
});
