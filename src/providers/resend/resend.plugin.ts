import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { resendWebhook } from './resend.webhook';
import { ResendOptions } from './resend.options';
import { RESEND_CAPABILITIES, ResendProvider } from './resend.provider';

const PRODUCTION = 'https://api.resend.com';

export const resendPlugin = definePlugin({
  type: 'resend',
  options: ResendOptions,
  defaultBaseUrl: PRODUCTION,
  capabilities: RESEND_CAPABILITIES,
  docs: {
    messageId: 'body `id`',
    notes: '`Idempotency-Key` passed on every attempt',
  },
  webhook: resendWebhook,
  create: (options, { http }) =>
    new ResendProvider(options, providerHttp(options, options.baseUrl ?? PRODUCTION, http)),
});
