/** Writes the provider settings table into README.md from the plug-in registry. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  renderProviderTable,
  renderWebhookTable,
  withProviderTable,
  withWebhookTable,
} from '../src/providers/provider-docs';
import { ProviderRegistry } from '../src/providers/provider.registry';

const file = join(__dirname, '..', 'README.md');
const before = readFileSync(file, 'utf8');
const registry = new ProviderRegistry();
const after = withWebhookTable(
  withProviderTable(before, renderProviderTable(registry)),
  renderWebhookTable(registry),
);
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n');
