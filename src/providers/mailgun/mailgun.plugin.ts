import { definePlugin } from '../provider.plugin';
import { mailgunWebhook } from './mailgun.webhook';
import { providerHttp } from '../http/http-provider.options';
import { MailgunOptions } from './mailgun.options';
import { MAILGUN_CAPABILITIES, MailgunProvider } from './mailgun.provider';

const US = 'https://api.mailgun.net';

export const mailgunPlugin = definePlugin({
  type: 'mailgun',
  options: MailgunOptions,
  defaultBaseUrl: US,
  capabilities: MAILGUN_CAPABILITIES,
  docs: {
    settings: { baseUrl: '`https://api.eu.mailgun.net` for EU' },
    messageId: 'body `id`',
    notes: 'multipart; metadata as `v:` variables',
  },
  webhook: mailgunWebhook,
  create: (options, { http }) =>
    new MailgunProvider(options, providerHttp(options, options.baseUrl ?? US, http)),
});
