import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DOC, renderedDoc } from '../../scripts/alert-examples.js';

describe('docs/alerts.md', () => {
  it('shows each channel’s message exactly as the renderers produce it', async () => {
    const committed = await readFile(DOC, 'utf8');
    expect(
      committed === (await renderedDoc()),
      'docs/alerts.md examples are stale: run `npm run docs:alerts`',
    ).toBe(true);
  });
});
