/** Writes the provider settings table into README.md from the plug-in registry. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderProviderTable, withProviderTable } from '../src/providers/provider-docs';
import { ProviderRegistry } from '../src/providers/provider.registry';

const file = join(__dirname, '..', 'README.md');
const before = readFileSync(file, 'utf8');
const after = withProviderTable(before, renderProviderTable(new ProviderRegistry()));
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n');
