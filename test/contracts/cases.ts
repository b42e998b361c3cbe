import type { ProviderContractCase } from './provider-contract';
import { sandboxCase } from './cases/sandbox.case';
import { mailgunCase } from './cases/mailgun.case';
import { sendgridCase } from './cases/sendgrid.case';
import { resendCase } from './cases/resend.case';
import { sesCase } from './cases/ses.case';
import { postmarkCase } from './cases/postmark.case';
import { sparkpostCase } from './cases/sparkpost.case';
import { mandrillCase } from './cases/mandrill.case';
import { smtpCase } from './cases/smtp.case';

/** Every provider type's contract case. Each vendor adds its own line. */
export const CASES: ProviderContractCase[] = [
  sandboxCase,
  mailgunCase,
  sesCase,
  postmarkCase,
  sparkpostCase,
  sendgridCase,
  mandrillCase,
  resendCase,
  smtpCase,
];
