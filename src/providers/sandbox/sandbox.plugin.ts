import { isAbsolute, join } from 'node:path';
import { definePlugin } from '../provider.plugin';
import { SandboxOptions } from './sandbox.options';
import { SANDBOX_CAPABILITIES, SandboxProvider } from './sandbox.provider';

export const sandboxPlugin = definePlugin({
  type: 'sandbox',
  options: SandboxOptions,
  capabilities: SANDBOX_CAPABILITIES,
  docs: {
    settings: { directory: 'default `$MAILOVER_DATA_DIR/outbox`' },
    messageId: 'generated Message-ID',
    notes: 'writes `<id>.eml`; the default when no provider is configured',
  },
  resolve(options, { dataDir }) {
    const directory = options.directory ?? 'outbox';
    options.directory = isAbsolute(directory) ? directory : join(dataDir, directory);
  },
  create: (options) => new SandboxProvider(options),
});
