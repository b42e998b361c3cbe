import { randomUUID, timingSafeEqual } from 'node:crypto';
import * as aws4 from 'aws4';
import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

export interface SesFakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The request must reach AWS within 5 minutes of its X-Amz-Date (docs/providers/ses.md §4, [SIGDOC]). */
const MAX_SKEW_MS = 5 * 60_000;

const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** A rest-json error: `x-amzn-ErrorType` names the code (with the usual `:` suffix), the body says why (docs/providers/ses.md §4). */
function awsError(
  status: number,
  code: string,
  message: string,
  namespace = 'com.amazonaws.services.sesv2',
): FakeResponse {
  return {
    status,
    headers: {
      'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/${namespace}/`,
      'x-amzn-requestid': randomUUID(),
    },
    body: { message },
  };
}

/** Errors raised by AWS's front door (signing), not by SES itself. */
const authError = (code: string, message: string) =>
  awsError(403, code, message, 'com.amazon.coral.service');

const validation = (message: string) => awsError(400, 'BadRequestException', message);

interface SendEmailBody {
  FromEmailAddress?: unknown;
  Destination?: { ToAddresses?: unknown; CcAddresses?: unknown; BccAddresses?: unknown };
  Content?: {
    Simple?: {
      Subject?: { Data?: unknown };
      Body?: { Text?: { Data?: unknown }; Html?: { Data?: unknown } };
    };
    Raw?: { Data?: unknown };
    Template?: unknown;
  };
  EmailTags?: unknown;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** `Name <addr>` or `addr` to the bare address. */
const bare = (a: string) => /<([^>]+)>\s*$/.exec(a)?.[1] ?? a.trim();

/**
 * Amazon SES v2 `POST /v2/email/outbound-emails` (docs/providers/ses.md §7). It verifies the SigV4 signature
 * for real: it rebuilds the signature with `aws4` from the method, path, signed headers and body
 * it received and the secret key it knows, and answers a mismatch with AWS's 403
 * `InvalidSignatureException`. Unknown access keys get `UnrecognizedClientException`.
 */
export class SesFake extends FakeHttpServer {
  lastMessageId = '';

  constructor(
    private readonly credentials: SesFakeCredentials,
    readonly region = 'us-east-1',
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    if (req.method !== 'POST' || req.path !== '/v2/email/outbound-emails') {
      return awsError(
        404,
        'UnknownOperationException',
        'Unknown operation',
        'com.amazon.coral.service',
      );
    }
    const denied = this.verifySignature(req);
    if (denied) return denied;
    const invalid = this.validate(req);
    if (invalid) return invalid;

    // `0100018c1a2b3c4d-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000` (docs/providers/ses.md §3)
    this.lastMessageId = `${this.now().toString(16).padStart(16, '0')}-${randomUUID()}-000000`;
    return {
      status: 200,
      headers: { 'x-amzn-requestid': randomUUID() },
      body: { MessageId: this.lastMessageId },
    };
  }

  protected faultResponse(kind: AnsweredFault, req: RecordedRequest): FakeResponse {
    switch (kind) {
      case 'server-error':
        return awsError(
          500,
          'InternalFailure',
          'The request processing has failed because of an unknown error, exception or failure.',
          'com.amazon.coral.service',
        );
      case 'rate-limit': {
        // SES's throttling shape; it documents no rate-limit header, so Retry-After stands in.
        const answer = awsError(429, 'TooManyRequestsException', 'Too Many Requests');
        return { ...answer, headers: { ...answer.headers, 'retry-after': '1' } };
      }
      case 'auth':
        return authError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        );
      case 'reject-recipient': {
        // A sandbox account sending to an unverified recipient: 400 MessageRejected (docs/providers/ses.md §4).
        const to = strings((req.json as SendEmailBody | undefined)?.Destination?.ToAddresses)[0];
        return awsError(
          400,
          'MessageRejected',
          `Email address is not verified. The following identities failed the check in region ${this.region.toUpperCase()}: ${to ? bare(to) : 'unknown'}`,
        );
      }
      case 'garbage':
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
          body: '{"MessageId":"0100018c1a2b3c4d-1a2b',
        };
    }
  }

  /** Parses the Authorization header, checks key, scope and clock, then recomputes the signature. */
  private verifySignature(req: RecordedRequest): FakeResponse | undefined {
    const header = req.headers.authorization;
    if (!header)
      return authError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const match = AUTHORIZATION.exec(header);
    if (!match) {
      return authError(
        'IncompleteSignatureException',
        `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${header.split(' ')[0]}`,
      );
    }
    const [, keyId, scopeDate, scopeRegion, service, signedHeaderList, signature] = match;
    if (keyId !== this.credentials.accessKeyId) {
      return authError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (service !== 'ses') {
      return authError(
        'InvalidSignatureException',
        `Credential should be scoped to correct service: 'ses'. `,
      );
    }
    if (scopeRegion !== this.region) {
      return authError(
        'InvalidSignatureException',
        `Credential should be scoped to a valid region, not '${scopeRegion}'. `,
      );
    }
    const signedNames = signedHeaderList.split(';');
    const amzDate = req.headers['x-amz-date'];
    if (
      typeof amzDate !== 'string' ||
      !signedNames.includes('x-amz-date') ||
      !signedNames.includes('host')
    ) {
      return authError(
        'IncompleteSignatureException',
        'Host and X-Amz-Date must be signed headers.',
      );
    }
    if (!amzDate.startsWith(scopeDate)) {
      return authError(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'`,
      );
    }
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (Number.isNaN(signedAt) || Math.abs(this.now() - signedAt) > MAX_SKEW_MS) {
      return authError(
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is now earlier than ${new Date(this.now() - MAX_SKEW_MS).toISOString()} (${new Date(this.now()).toISOString()} - 5 min.)`,
      );
    }

    const headers: Record<string, string> = {};
    for (const name of signedNames) {
      const value = req.headers[name];
      if (value === undefined) return authError('InvalidSignatureException', BAD_SIGNATURE);
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const signer = new aws4.RequestSigner(
      {
        method: req.method,
        path: req.url,
        host: headers.host,
        service: 'ses',
        region: scopeRegion,
        headers,
        body: req.body,
        doNotModifyHeaders: true,
      },
      { accessKeyId: keyId, secretAccessKey: this.credentials.secretAccessKey },
    );
    signer.datetime = amzDate; // doNotModifyHeaders keeps aws4 from reading it off the headers
    const expected = Buffer.from(signer.signature(), 'hex');
    const received = Buffer.from(signature, 'hex');
    if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
      return authError('InvalidSignatureException', BAD_SIGNATURE);
    }
    return undefined;
  }

  /** SendEmail's required members and constraints (docs/providers/ses.md §2); the message texts are unverified. */
  private validate(req: RecordedRequest): FakeResponse | undefined {
    const body = req.json as SendEmailBody | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return awsError(
        400,
        'SerializationException',
        'Start of structure or map found where not expected.',
      );
    }
    const content = body.Content;
    if (!content || typeof content !== 'object') {
      return validation(
        "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
      );
    }
    const recipients = [
      ...strings(body.Destination?.ToAddresses),
      ...strings(body.Destination?.CcAddresses),
      ...strings(body.Destination?.BccAddresses),
    ];
    if (content.Simple) {
      if (typeof body.FromEmailAddress !== 'string' || !body.FromEmailAddress) {
        return validation('Missing required field FromEmailAddress.');
      }
      if (typeof content.Simple.Subject?.Data !== 'string')
        return validation('Missing required field Subject.');
      const text = content.Simple.Body?.Text?.Data;
      const html = content.Simple.Body?.Html?.Data;
      if (typeof text !== 'string' && typeof html !== 'string')
        return validation('Missing required field Body.');
      if (recipients.length === 0) return validation('Missing required field Destination.');
    } else if (content.Raw) {
      const data = content.Raw.Data;
      const mime = typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : '';
      if (!mime || !/\r?\n\r?\n/.test(mime))
        return awsError(400, 'MessageRejected', 'Could not parse the raw message.');
      const head = mime.split(/\r?\n\r?\n/)[0];
      if (typeof body.FromEmailAddress !== 'string' && !/^from:/im.test(head)) {
        return awsError(400, 'MessageRejected', "Missing required header 'From'.");
      }
      if (recipients.length === 0 && !/^(to|cc|bcc):/im.test(head)) {
        return awsError(400, 'MessageRejected', "Missing final '@domain'");
      }
      if (mime.split(/\r?\n/).some((line) => line.length > 1000)) {
        return awsError(400, 'MessageRejected', 'Message has a line longer than 1000 characters.');
      }
    } else if (!content.Template) {
      return validation('Exactly one of Simple, Raw or Template content is required.');
    }
    if (recipients.length > 50)
      return awsError(400, 'MessageRejected', 'Recipient count exceeds 50.');
    if (body.EmailTags !== undefined) {
      if (!Array.isArray(body.EmailTags)) return validation('EmailTags must be a list.');
      for (const tag of body.EmailTags as Array<{ Name?: unknown; Value?: unknown }>) {
        for (const [what, text] of [
          ['name', tag?.Name],
          ['value', tag?.Value],
        ] as const) {
          if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(text)) {
            return validation(
              `Invalid tag ${what} <${String(text)}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
            );
          }
        }
      }
    }
    return undefined;
  }
}
