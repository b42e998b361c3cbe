import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderProviderTable, TABLE_END, TABLE_START, withProviderTable } from './provider-docs';
import { ProviderRegistry } from './provider.registry';

const README = join(__dirname, '..', '..', 'README.md');

describe("README's provider table", () => {
  it('is what the registry renders (run `npm run docs:providers` after changing a plug-in)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withProviderTable(readme, renderProviderTable(new ProviderRegistry())));
  });

  it('has one row per registered type, naming every setting of its options class', () => {
    const table = renderProviderTable(new ProviderRegistry());
    const registry = new ProviderRegistry();
    expect(table.split('\n').slice(2)).toHaveLength(registry.types.length);
    expect(table).toContain('`requireTls`?');
    expect(table).toMatch(/\| `ses` \| `region`, `accessKeyId`, `secretAccessKey`, /);
  });

  it('replaces only the text between its markers', () => {
    const text = `intro\n${TABLE_START}\nold\n${TABLE_END}\noutro\n`;
    expect(withProviderTable(text, 'new')).toBe(
      `intro\n${TABLE_START}\nnew\n${TABLE_END}\noutro\n`,
    );
    expect(() => withProviderTable('no markers', 'new')).toThrow(/markers/);
  });
});
