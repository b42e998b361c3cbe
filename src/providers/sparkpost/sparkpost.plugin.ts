import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { sparkpostWebhook } from './sparkpost.webhook';
import { SparkpostOptions } from './sparkpost.options';
import { SPARKPOST_CAPABILITIES, SparkpostProvider } from './sparkpost.provider';

const PRODUCTION = 'https://api.sparkpost.com';

export const sparkpostPlugin = definePlugin({
  type: 'sparkpost',
  options: SparkpostOptions,
  defaultBaseUrl: PRODUCTION,
  capabilities: SPARKPOST_CAPABILITIES,
  docs: {
    settings: { baseUrl: '`https://api.eu.sparkpost.com` for EU' },
    messageId: '`results.id`',
    notes: 'cc/bcc as the Node client does',
  },
  webhook: sparkpostWebhook,
  create: (options, { http }) =>
    new SparkpostProvider(options, providerHttp(options, options.baseUrl ?? PRODUCTION, http)),
});
