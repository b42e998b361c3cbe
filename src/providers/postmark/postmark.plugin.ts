import { providerHttp } from '../http/http-provider.options';
import { definePlugin } from '../provider.plugin';
import { postmarkWebhook } from './postmark.webhook';
import { PostmarkOptions } from './postmark.options';
import { POSTMARK_CAPABILITIES, PostmarkProvider } from './postmark.provider';

const PRODUCTION = 'https://api.postmarkapp.com';

export const postmarkPlugin = definePlugin({
  type: 'postmark',
  options: PostmarkOptions,
  defaultBaseUrl: PRODUCTION,
  capabilities: POSTMARK_CAPABILITIES,
  docs: {
    messageId: 'body `MessageID`',
    notes: 'one `Tag`; the rest in `Metadata`',
  },
  webhook: postmarkWebhook,
  create: (options, { http }) =>
    new PostmarkProvider(options, providerHttp(options, options.baseUrl ?? PRODUCTION, http)),
});
