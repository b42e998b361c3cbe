import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWebhookTable, WEBHOOK_TABLE_END, WEBHOOK_TABLE_START } from './provider-docs';
import { ProviderRegistry } from './provider.registry';

const README = join(__dirname, '..', '..', 'README.md');

/** A Markdown table's cells, whatever its padding (the README is formatted by Prettier). */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .filter((line) => line.trim())
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => (/^\s*:?-+:?\s*$/.test(cell) ? '---' : cell.trim())),
    );
}

describe("README's provider webhook table", () => {
  it('is what the registry renders (run `npm run docs:providers` after changing a plug-in)', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(WEBHOOK_TABLE_START);
    const end = readme.indexOf(WEBHOOK_TABLE_END);
    expect(start).toBeGreaterThan(0);
    const table = readme.slice(start + WEBHOOK_TABLE_START.length, end);
    const registry = new ProviderRegistry();
    expect(cells(table)).toEqual(cells(renderWebhookTable(registry)));
    // One row per plug-in with webhooks: the seven HTTP providers.
    expect(
      cells(table)
        .slice(2)
        .map((row) => row[0]),
    ).toEqual(
      ['mailgun', 'sendgrid', 'ses', 'postmark', 'mandrill', 'sparkpost', 'resend'].map(
        (t) => `\`${t}\``,
      ),
    );
  });
});
