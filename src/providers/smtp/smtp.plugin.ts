import { definePlugin } from '../provider.plugin';
import { SmtpOptions } from './smtp.options';
import { SMTP_CAPABILITIES, SmtpProvider } from './smtp.provider';

export const smtpPlugin = definePlugin({
  type: 'smtp',
  options: SmtpOptions,
  capabilities: SMTP_CAPABILITIES,
  docs: {
    settings: {
      port: 'default 465 with `secure`, else 587',
      requireTls: 'default true: STARTTLS before AUTH; false for a trusted relay without it',
      pool: 'connections, default 5',
      tlsRejectUnauthorized: 'default true',
    },
    messageId: '`250 … queued as <id>`, else Message-ID',
    notes: 'nodemailer, pooled',
  },
  create: (options) => new SmtpProvider(options),
});
