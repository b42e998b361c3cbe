import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a test sends to POST /v1/webhooks/{id}: headers and the exact body bytes. */
export interface SignedWebhook {
  headers: Record<string, string>;
  body: string;
}

const unix = (at = Date.now()) => Math.floor(at / 1000);

/** Mailgun: hex HMAC-SHA256(signingKey, timestamp + token) inside the JSON body. */
export function mailgunSigned(
  signingKey: string,
  eventData: Record<string, unknown>,
  at = Date.now(),
  token = randomBytes(25).toString('hex'),
): SignedWebhook {
  const timestamp = String(unix(at));
  const signature = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
  return {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData }),
  };
}

/** SendGrid: an ECDSA P-256 key pair; the public key as the dashboard shows it (base64 SPKI DER). */
export function sendgridKeys(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function sendgridSigned(
  privateKey: KeyObject,
  events: unknown[],
  at = Date.now(),
): SignedWebhook {
  const timestamp = String(unix(at));
  // SendGrid's own test vector uses CRLF line endings: the signature is over the exact bytes.
  const body = JSON.stringify(events, null, 1).replace(/\n/g, '\r\n');
  const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
  return {
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': timestamp,
    },
    body,
  };
}

/** A self-signed certificate like SNS's signing certificate, made with openssl. */
export function snsCertificate(): { privateKeyPem: string; certificatePem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailover-sns-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=sns.test.amazonaws.com',
      ],
      { stdio: 'ignore' },
    );
    return {
      privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
      certificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SNS_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
};

/** An SNS message signed with version 1 (SHA1) or 2 (SHA256), as SNS posts it. */
export function snsSigned(
  privateKeyPem: string,
  message: Record<string, string>,
  version: '1' | '2' = '2',
): SignedWebhook {
  const text = SNS_FIELDS[message.Type]
    .filter((f) => message[f] !== undefined)
    .map((f) => `${f}\n${message[f]}\n`)
    .join('');
  const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(text), privateKeyPem);
  const body = JSON.stringify({
    ...message,
    SignatureVersion: version,
    Signature: signature.toString('base64'),
  });
  return {
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': message.Type,
      'x-amz-sns-message-id': message.MessageId,
      'x-amz-sns-topic-arn': message.TopicArn,
    },
    body,
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Mandrill: base64 HMAC-SHA1(key, url + "mandrill_events" + the JSON), form-encoded. */
export function mandrillSigned(key: string, url: string, events: unknown[]): SignedWebhook {
  const json = JSON.stringify(events);
  const signature = createHmac('sha1', key)
    .update(url + 'mandrill_events' + json)
    .digest('base64');
  return {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-mandrill-signature': signature,
    },
    body: new URLSearchParams({ mandrill_events: json }).toString(),
  };
}

/** Standard Webhooks with Svix's header names, as Resend sends them. */
export function resendSigned(
  secret: string,
  payload: unknown,
  at = Date.now(),
  id = `msg_${randomBytes(12).toString('hex')}`,
): SignedWebhook {
  const timestamp = String(unix(at));
  const body = JSON.stringify(payload);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': timestamp,
      // A rotated-out signature first: any one that matches is enough.
      'svix-signature': `v1,${randomBytes(32).toString('base64')} v1,${signature}`,
    },
    body,
  };
}

/** The same request with one byte of the body changed. */
export function tampered(w: SignedWebhook): SignedWebhook {
  const at = w.body.lastIndexOf('e');
  return { ...w, body: w.body.slice(0, at) + 'E' + w.body.slice(at + 1) };
}
