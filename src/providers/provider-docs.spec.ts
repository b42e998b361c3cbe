import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

describe('citations of docs/providers/', () => {
  const root = join(__dirname, '..', '..');

  function sources(dir: string): string[] {
    return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sources(join(dir, e.name))
        : /\.(ts|js)$/.test(e.name)
          ? [join(dir, e.name)]
          : [],
    );
  }

  it('name a file that exists and sections it has', () => {
    const missing: string[] = [];
    let count = 0;
    for (const file of ['src', 'test', 'bench'].flatMap(sources)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(/docs\/providers\/([a-z]+\.md)((?:[ ,/]*§\d+)*)/g)) {
        count++;
        const doc = join(root, 'docs', 'providers', m[1]);
        if (!existsSync(doc)) {
          missing.push(`${file}: ${m[0]}`);
          continue;
        }
        const headings = readFileSync(doc, 'utf8');
        for (const section of m[2].match(/\d+/g) ?? []) {
          if (!new RegExp(`^## ${section}\\. `, 'm').test(headings))
            missing.push(`${file}: ${m[1]} §${section}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });

  it('leave no bare vendor note names behind', () => {
    const bare = ['src', 'test', 'bench']
      .flatMap(sources)
      .filter((file) =>
        /(?<![/\w])(mailgun|sendgrid|ses|postmark|mandrill|sparkpost|resend|smtp)\.md\b/.test(
          readFileSync(join(root, file), 'utf8'),
        ),
      );
    expect(bare).toEqual([]);
  });
});
