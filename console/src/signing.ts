/**
 * The signed-request scheme of docs/signing.md, with WebCrypto (the browser's, or Node's in the
 * unit test): the same six lines and HMAC-SHA256 as src/domain/signing.ts. No DOM here.
 */
const encoder = new TextEncoder();

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A nonce of 22 characters of [A-Za-z0-9_-]. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export interface SignInput {
  keyId: string;
  secret: string;
  method: string;
  /** The path plus ? and the query string, exactly as sent. */
  target: string;
  body: string;
  timestamp?: number;
  nonce?: string;
}

/** The four X-Mailover-* headers for one request. */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? newNonce();
  const bodyHash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(input.body)));
  const lines = ['v1', timestamp, nonce, input.method.toUpperCase(), input.target, bodyHash];
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(input.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(lines.join('\n')));
  return {
    'X-Mailover-Key': input.keyId,
    'X-Mailover-Timestamp': timestamp,
    'X-Mailover-Nonce': nonce,
    'X-Mailover-Signature': `v1=${hex(mac)}`,
  };
}
