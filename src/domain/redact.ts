/** What a secret is replaced with in stored and logged text. */
export const REDACTED = '[redacted]';

/** Shorter secrets are not searched for: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** One credential, and the user name it is sent with in HTTP Basic or SMTP AUTH, if any. */
export interface Credential {
  secret: string;
  user?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Every way a credential can show up in a provider's error text: raw, URL-encoded, and base64
 * (standard and URL-safe, with or without padding) of the secret alone, of `api:<secret>`
 * (Mailgun's Basic auth) and of `<user>:<secret>` (Basic auth, SMTP AUTH PLAIN/LOGIN).
 */
export function secretForms({ secret, user }: Credential): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const pairs = [
    secret,
    `api:${secret}`,
    ...(user ? [`${user}:${secret}`, `\0${user}\0${secret}`] : []),
  ];
  const forms = new Set<string>([secret, encodeURIComponent(secret)]);
  for (const pair of pairs) {
    const standard = b64(pair);
    forms.add(standard);
    forms.add(standard.replace(/=+$/, ''));
    forms.add(b64url(pair));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Replaces every form of every credential in a text (provider error messages, before they are stored or logged). */
export class Redactor {
  readonly #pattern: RegExp | undefined;

  constructor(credentials: Credential[]) {
    const forms = [...new Set(credentials.flatMap(secretForms))]
      // Longest first, so a base64 form is replaced whole rather than in part.
      .sort((a, b) => b.length - a.length)
      .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#pattern = forms.length ? new RegExp(forms.join('|'), 'g') : undefined;
  }

  redact(text: string): string;
  redact(text: string | undefined): string | undefined;
  redact(text: string | undefined): string | undefined {
    return text === undefined || !this.#pattern ? text : text.replace(this.#pattern, REDACTED);
  }
}
