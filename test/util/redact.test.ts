import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, redact, redactDeep, registerSecret } from '../../src/util/redact.js';

const SECRET = 'p@ss+wörd/"x=1&y';

describe('redact', () => {
  afterEach(() => clearSecrets());

  it('masks a registered secret raw, URL-encoded, form-encoded and JSON-escaped', () => {
    registerSecret(SECRET);
    for (const form of [
      SECRET,
      encodeURIComponent(SECRET),
      new URLSearchParams({ s: SECRET }).toString().slice(2),
      JSON.stringify(SECRET).slice(1, -1),
    ]) {
      expect(redact(`before ${form} after`)).toBe('before *** after');
    }
  });

  it('masks a registered secret inside base64 text at every alignment, and inside base64 of a form body', () => {
    registerSecret(SECRET);
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}${SECRET} and more`).toString('base64');
      expect(redact(encoded)).toContain('***');
      const form = Buffer.from(
        `grant_type=password&${prefix}password=${encodeURIComponent(SECRET)}`,
      ).toString('base64');
      expect(redact(form)).toContain('***');
    }
  });

  it('masks credential parameters in echoed bodies and URLs even for secrets it never saw', () => {
    expect(redact('grant_type=password&password=hunter2%21&client_id=abc')).toBe(
      'grant_type=password&password=***&client_id=abc',
    );
    expect(redact('https://x.example/cb?access_token=eyJabc.def&state=1')).toBe(
      'https://x.example/cb?access_token=***&state=1',
    );
    expect(redact('{"client_secret":"s3cr3t","user":"u"}')).toBe('{"client_secret":"***","user":"u"}');
    expect(redact('{\\"password\\":\\"s3cr3t\\"}')).toBe('{\\"password\\":\\"***\\"}');
    expect(redact('Authorization: Bearer pat-na1-0123456789')).toBe('Authorization: ***');
    expect(redact('sent with Bearer pat-na1-0123456789 today')).toBe('sent with Bearer *** today');
  });

  it('leaves ordinary text alone and copes with values that are not strings', () => {
    registerSecret('abc');
    registerSecret(SECRET);
    expect(redact('abc is too short to be masked safely')).toBe('abc is too short to be masked safely');
    expect(redact(undefined as unknown as string)).toBe('undefined');
    expect(redactDeep({ errors: [{ message: `bad ${SECRET}` }] })).toEqual({
      errors: [{ message: 'bad ***' }],
    });
  });
});
