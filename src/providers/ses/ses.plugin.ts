import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { sesWebhook } from './ses.webhook';
import { SesOptions } from './ses.options';
import { SES_CAPABILITIES, SesProvider } from './ses.provider';

export const sesPlugin = definePlugin({
  type: 'ses',
  options: SesOptions,
  capabilities: SES_CAPABILITIES,
  docs: {
    settings: { endpoint: 'default `https://email.<region>.amazonaws.com`' },
    messageId: 'body `MessageId`',
    notes: 'SES v2, SigV4 signed with `aws4`; raw MIME for attachments and headers',
  },
  webhook: sesWebhook,
  create: (options, { http }) =>
    new SesProvider(
      options,
      providerHttp(
        options,
        options.endpoint ?? `https://email.${options.region}.amazonaws.com`,
        http,
      ),
    ),
});
