import type { ProviderConfig } from '../config/config.schema';
import type { EmailProvider } from '../domain/provider';
import { ProviderHttp } from './http/provider-http';
import { MailgunProvider } from './mailgun/mailgun.provider';
import { MandrillProvider } from './mandrill/mandrill.provider';
import { PostmarkProvider } from './postmark/postmark.provider';
import { ResendProvider } from './resend/resend.provider';
import { SandboxProvider } from './sandbox/sandbox.provider';
import { SendgridProvider } from './sendgrid/sendgrid.provider';
import { SesProvider } from './ses/ses.provider';
import { SmtpProvider } from './smtp/smtp.provider';
import { SparkpostProvider } from './sparkpost/sparkpost.provider';

/** Production base URLs, used when a provider's config names none. */
export const DEFAULT_BASE_URLS = {
  mailgun: 'https://api.mailgun.net',
  sendgrid: 'https://api.sendgrid.com',
  postmark: 'https://api.postmarkapp.com',
  mandrill: 'https://mandrillapp.com/api/1.0',
  sparkpost: 'https://api.sparkpost.com',
  resend: 'https://api.resend.com',
} as const;

/** Builds one adapter from its validated config. Every adapter is constructible with `new` in tests too. */
export function createProvider(config: ProviderConfig): EmailProvider {
  const http = (baseUrl: string) =>
    new ProviderHttp({
      providerId: config.id,
      baseUrl: config.baseUrl ?? baseUrl,
      timeoutMs: config.timeoutMs,
      maxSockets: config.concurrency,
    });
  switch (config.type) {
    case 'mailgun':
      return new MailgunProvider(config, http(DEFAULT_BASE_URLS.mailgun));
    case 'sendgrid':
      return new SendgridProvider(config, http(DEFAULT_BASE_URLS.sendgrid));
    case 'ses':
      return new SesProvider(
        config,
        http(config.endpoint ?? `https://email.${config.region}.amazonaws.com`),
      );
    case 'postmark':
      return new PostmarkProvider(config, http(DEFAULT_BASE_URLS.postmark));
    case 'mandrill':
      return new MandrillProvider(config, http(DEFAULT_BASE_URLS.mandrill));
    case 'sparkpost':
      return new SparkpostProvider(config, http(DEFAULT_BASE_URLS.sparkpost));
    case 'resend':
      return new ResendProvider(config, http(DEFAULT_BASE_URLS.resend));
    case 'smtp':
      return new SmtpProvider(config);
    case 'sandbox':
      return new SandboxProvider(config);
  }
}
