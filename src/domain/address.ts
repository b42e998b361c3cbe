import type { Address } from './email';

/** Any C0 control character, DEL, or a Unicode line/paragraph separator. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * What a value that becomes a header (subject, names, custom header values, filenames) must not
 * hold: the control characters above, C1 controls (U+0080 to U+009F) and the bidi overrides and
 * isolates (U+202A to U+202E, U+2066 to U+2069) that make a header read other than it is.
 */
export const HEADER_UNSAFE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

// RFC 5321 §4.5.3.1: local part <= 64 octets, domain <= 255, a path <= 256 (so an address <= 254).
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_ADDRESS = 254;
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const QUOTED_LOCAL = /^"([\u0020-\u0021\u0023-\u005b\u005d-\u007e]|\\[\u0020-\u007e])*"$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why an address is not acceptable, or undefined when it is. */
export function addressProblem(email: string): string | undefined {
  if (CONTROL_CHARS.test(email)) return 'must not contain control characters';
  if (Buffer.byteLength(email) > MAX_ADDRESS)
    return `must be at most ${MAX_ADDRESS} octets (RFC 5321)`;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return 'must be an email address like name@example.com';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (Buffer.byteLength(local) > MAX_LOCAL)
    return `local part must be at most ${MAX_LOCAL} octets (RFC 5321)`;
  if (Buffer.byteLength(domain) > MAX_DOMAIN)
    return `domain must be at most ${MAX_DOMAIN} octets (RFC 5321)`;
  if (!LOCAL_ATOM.test(local) && !QUOTED_LOCAL.test(local)) return 'has an invalid local part';
  const labels = domain.split('.');
  const literal = /^\[[0-9A-Fa-f:.]+\]$/.test(domain);
  if (!literal && (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))))
    return 'has an invalid domain';
  return undefined;
}

/**
 * Reads `Name <addr>`, `"Name, Jr." <addr>`, `addr`, or `{email, name}`. Answers the address,
 * or a problem text. Names must not carry control characters (they become headers).
 */
export function parseAddress(input: unknown): Address | string {
  let email: string;
  let name: string | undefined;
  if (typeof input === 'string') {
    if (CONTROL_CHARS.test(input)) return 'must not contain control characters';
    const trimmed = input.trim();
    const angle = /^(.*?)\s*<([^<>]*)>$/.exec(trimmed);
    if (angle) {
      email = angle[2].trim();
      name = unquote(angle[1].trim()) || undefined;
    } else {
      email = trimmed;
    }
  } else if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    if (typeof o.email !== 'string') return 'email must be a string';
    if (o.name !== undefined && o.name !== null && typeof o.name !== 'string')
      return 'name must be a string';
    const extra = Object.keys(o).filter((k) => k !== 'email' && k !== 'name');
    if (extra.length) return `unknown field ${extra[0]}`;
    email = o.email.trim();
    name = typeof o.name === 'string' && o.name.trim() ? o.name.trim() : undefined;
  } else {
    return 'must be an address string or {email, name}';
  }
  if (name !== undefined) {
    if (HEADER_UNSAFE_CHARS.test(name))
      return 'name must not contain control characters or bidi overrides';
    if (name.length > 256) return 'name must be at most 256 characters';
  }
  const problem = addressProblem(email);
  if (problem) return problem;
  return name ? { email, name } : { email };
}

function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"'))
    return s.slice(1, -1).replace(/\\(.)/g, '$1');
  return s;
}
