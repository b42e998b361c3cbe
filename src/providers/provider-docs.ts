import { ProviderConfig } from './provider.options';
import type { ProviderPlugin } from './provider.plugin';
import { type ProviderRegistry, settingsOf } from './provider.registry';

export const TABLE_START =
  '<!-- provider-table: generated from src/providers/provider.registry.ts by `npm run docs:providers` -->';
export const TABLE_END = '<!-- /provider-table -->';

const COMMON = new Set(settingsOf(ProviderConfig).map((s) => s.name));

/** The README's provider settings table: one row per plug-in, its own settings in order. */
export function renderProviderTable(registry: ProviderRegistry): string {
  const rows = registry.plugins.map(
    (p) => `| \`${p.type}\` | ${settingsCell(p)} | ${p.docs.messageId} | ${p.docs.notes} |`,
  );
  return [
    '| type | settings (`?`: optional) | message id from | notes |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function settingsCell(plugin: ProviderPlugin): string {
  return settingsOf(plugin.options)
    .filter((s) => !COMMON.has(s.name))
    .map((s) => {
      const notes = [
        s.name === 'baseUrl' && plugin.defaultBaseUrl ? `default \`${plugin.defaultBaseUrl}\`` : '',
        plugin.docs.settings?.[s.name] ?? '',
      ].filter(Boolean);
      return `\`${s.name}\`${s.optional ? '?' : ''}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    })
    .join(', ');
}

/** `readme` with the text between the table's markers replaced by `table`. */
export function withProviderTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md has no provider-table markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

export const WEBHOOK_TABLE_START =
  '<!-- webhook-table: generated from src/providers/provider.registry.ts by `npm run docs:providers` -->';
export const WEBHOOK_TABLE_END = '<!-- /webhook-table -->';

/** The README's provider webhook table: one row per plug-in with a webhook part. */
export function renderWebhookTable(registry: ProviderRegistry): string {
  const rows = registry.plugins.flatMap((p) => {
    if (!p.webhook) return [];
    const settings = settingsOf(p.webhook.settings as new () => ProviderConfig)
      .map((s) => `\`${s.name}\`${s.optional ? '?' : ''}`)
      .join(', ');
    return [`| \`${p.type}\` | ${settings} | ${p.webhook.scheme} | ${p.webhook.setup} |`];
  });
  return [
    '| type | `webhook` settings | verification | set up at the provider |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** `readme` with the text between the webhook table's markers replaced by `table`. */
export function withWebhookTable(readme: string, table: string): string {
  const start = readme.indexOf(WEBHOOK_TABLE_START);
  const end = readme.indexOf(WEBHOOK_TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md has no webhook-table markers');
  return `${readme.slice(0, start + WEBHOOK_TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
