import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { sendgridWebhook } from './sendgrid.webhook';
import { SendgridOptions } from './sendgrid.options';
import { SENDGRID_CAPABILITIES, SendgridProvider } from './sendgrid.provider';

const PRODUCTION = 'https://api.sendgrid.com';

export const sendgridPlugin = definePlugin({
  type: 'sendgrid',
  options: SendgridOptions,
  defaultBaseUrl: PRODUCTION,
  capabilities: SENDGRID_CAPABILITIES,
  docs: {
    messageId: '`X-Message-Id` header',
    notes: 'metadata as `custom_args`',
  },
  webhook: sendgridWebhook,
  create: (options, { http }) =>
    new SendgridProvider(options, providerHttp(options, options.baseUrl ?? PRODUCTION, http)),
});
