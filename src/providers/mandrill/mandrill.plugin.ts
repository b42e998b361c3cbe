import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { mandrillWebhook } from './mandrill.webhook';
import { MandrillOptions } from './mandrill.options';
import { MANDRILL_CAPABILITIES, MandrillProvider } from './mandrill.provider';

const PRODUCTION = 'https://mandrillapp.com/api/1.0';

export const mandrillPlugin = definePlugin({
  type: 'mandrill',
  options: MandrillOptions,
  defaultBaseUrl: PRODUCTION,
  capabilities: MANDRILL_CAPABILITIES,
  docs: {
    messageId: 'first sent `_id` of the array',
    notes: 'key in the body; errors by `name`',
  },
  webhook: mandrillWebhook,
  create: (options, { http }) =>
    new MandrillProvider(options, providerHttp(options, options.baseUrl ?? PRODUCTION, http)),
});
