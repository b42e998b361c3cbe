import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Faults every fake can inject, named the same for HTTP and SMTP. */
export type FaultKind =
  | 'down' // connection refused
  | 'hang' // accepts the request, never answers
  | 'slow' // answers normally after `delayMs`
  | 'server-error' // the provider's 5xx
  | 'rate-limit' // the provider's 429 (or its equivalent) with Retry-After
  | 'auth' // the provider's 401/403 for bad credentials
  | 'garbage' // a success status with a malformed body
  | 'reset' // the connection is reset after the request was read
  | 'reject-recipient'; // the provider's permanent "invalid recipient" error

/** The faults a fake answers in the provider's own words (the rest are transport faults). */
export type AnsweredFault = Exclude<FaultKind, 'down' | 'hang' | 'slow' | 'reset'>;

export interface Fault {
  kind: FaultKind;
  delayMs?: number;
  status?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** Parsed when the body is JSON. */
  json?: unknown;
  /** Parsed when the body is multipart/form-data or urlencoded (files as File objects). */
  form?: FormData;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

/** Common to every fake (HTTP and SMTP), so one contract suite can drive them all. */
export interface ProviderFake {
  /** The next `times` requests (default: all until heal) meet this fault. */
  inject(fault: Fault, times?: number): void;
  heal(): void;
  stop(): Promise<void>;
  /** Requests (or SMTP transactions) that reached the fake's handler. */
  readonly receivedCount: number;
  /** Resolves once the fake accepts connections again after `down` was healed. */
  ready?(): Promise<void>;
}

/**
 * A local HTTP server that behaves like one provider's real API. Subclasses check auth,
 * validate and answer in the provider's real shapes; this class records every request,
 * adds latency and injects faults.
 */
export abstract class FakeHttpServer implements ProviderFake {
  readonly requests: RecordedRequest[] = [];
  /** Added to every answer (benchmarks use it to play a provider's latency). */
  latencyMs = 0;
  /** Keep only the newest N requests (benchmarks send thousands). */
  recordLimit = 10_000;
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private fault?: Fault;
  private faultTimes = 0;
  private handled = 0;

  /** The vendor's behaviour for a request that passed fault injection. */
  protected abstract handle(req: RecordedRequest): FakeResponse | Promise<FakeResponse>;
  /** The vendor's real answer for an injected status fault. */
  protected abstract faultResponse(kind: AnsweredFault, req: RecordedRequest): FakeResponse;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get receivedCount(): number {
    return this.handled;
  }

  get lastRequest(): RecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error('the fake has received no request');
    return last;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  inject(fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.fault = fault;
    this.faultTimes = times;
    if (fault.kind === 'down') void this.stop();
  }

  heal(): void {
    const wasDown = this.fault?.kind === 'down';
    this.fault = undefined;
    if (wasDown && !this.server) void this.start(this.port);
  }

  /** Resolves once the fake listens again after a `down` fault was healed. */
  async ready(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  private takeFault(): Fault | undefined {
    if (!this.fault || this.faultTimes <= 0) return undefined;
    const fault = this.fault;
    this.faultTimes -= 1;
    if (this.faultTimes <= 0) this.heal();
    return fault;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = await record(req, Buffer.concat(chunks));
    this.requests.push(recorded);
    if (this.requests.length > this.recordLimit)
      this.requests.splice(0, this.requests.length - this.recordLimit);

    const fault = this.takeFault();
    if (fault?.kind === 'hang') return; // never answers; the socket is destroyed on stop()
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const delay = this.latencyMs + (fault?.kind === 'slow' ? (fault.delayMs ?? 200) : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    let answer: FakeResponse;
    if (fault && fault.kind !== 'slow' && fault.kind !== 'down') {
      answer = this.faultResponse(fault.kind, recorded);
      if (fault.status) answer = { ...answer, status: fault.status };
    } else {
      this.handled += 1;
      answer = await this.handle(recorded);
    }
    send(res, answer);
  }
}

function send(res: ServerResponse, answer: FakeResponse): void {
  const headers = { ...answer.headers };
  let body: string | Buffer = '';
  if (Buffer.isBuffer(answer.body) || typeof answer.body === 'string') body = answer.body;
  else if (answer.body !== undefined) {
    body = JSON.stringify(answer.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(answer.status, headers);
  res.end(body);
}

async function record(req: IncomingMessage, body: Buffer): Promise<RecordedRequest> {
  const url = req.url ?? '/';
  const parsed = new URL(url, 'http://fake');
  const type = String(req.headers['content-type'] ?? '');
  const recorded: RecordedRequest = {
    method: req.method ?? 'GET',
    url,
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: req.headers,
    body,
    text: body.toString('utf8'),
  };
  if (type.includes('json')) {
    try {
      recorded.json = JSON.parse(recorded.text);
    } catch {
      // left undefined: the vendor's handler answers its own 400 for malformed JSON
    }
  } else if (
    type.startsWith('multipart/form-data') ||
    type.startsWith('application/x-www-form-urlencoded')
  ) {
    try {
      recorded.form = await new Request('http://fake/', {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      }).formData();
    } catch {
      // left undefined: the vendor's handler answers 400
    }
  }
  return recorded;
}

/** A provider-style message id: unique per fake answer. */
let counter = 0;
export function fakeId(prefix = ''): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(6, '0')}`;
}
