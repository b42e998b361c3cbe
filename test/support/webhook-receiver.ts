import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request that reached the receiver, with the outcome of its signature check. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Undefined when the signature verified; otherwise why not. */
  signatureProblem?: string;
  receivedAt: number;
}

/** What the receiver answers a request: a status, or `hang` (never answers). */
export type ReceiverAnswer = number | 'hang' | { status: number; headers: Record<string, string> };

/**
 * The application's side of Standard Webhooks, written from the specification
 * (https://www.standardwebhooks.com/, spec/standard-webhooks.md) independently of Mailover's
 * signing code: the secret's bytes are the base64 after `whsec_`, the content signed is
 * `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 (WebCrypto here), and the header holds
 * space-separated `v1,<base64>` signatures, one of which must match; the timestamp must be
 * within five minutes.
 */
export async function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string | undefined> {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string')
    return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d+$/.test(timestamp)) return 'webhook-timestamp is not unix seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return 'webhook-timestamp out of tolerance';
  if (!secret.startsWith('whsec_')) return 'secret without whsec_';
  const key = await crypto.subtle.importKey(
    'raw',
    Buffer.from(secret.slice('whsec_'.length), 'base64'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const versioned of signatures.split(' ')) {
    const [version, signature] = versioned.split(',');
    if (version !== 'v1' || !signature) continue;
    if (await crypto.subtle.verify('HMAC', key, Buffer.from(signature, 'base64'), content))
      return undefined;
  }
  return 'no signature matches';
}

/** A local application endpoint on 127.0.0.1 that records and verifies what Mailover sends. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Decides each answer; default 204. */
  answer: (req: ReceivedWebhook) => ReceiverAnswer = () => 204;
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly secret: string) {}

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on(
        'end',
        () => void this.handle(req.url ?? '/', req.headers, Buffer.concat(chunks), res),
      );
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** The requests whose body's type is `type`. */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.json?.type === type);
  }

  private async handle(
    path: string,
    headers: IncomingHttpHeaders,
    raw: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const body = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const received: ReceivedWebhook = {
      path,
      headers,
      body,
      json,
      signatureProblem: await verifyStandardWebhook(this.secret, headers, body),
      receivedAt: Date.now(),
    };
    this.received.push(received);
    const answer = this.answer(received);
    if (answer === 'hang') return;
    if (typeof answer === 'number') res.writeHead(answer).end();
    else res.writeHead(answer.status, answer.headers).end();
  }
}
