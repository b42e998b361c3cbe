import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { FromThread, ToThread } from './http-thread.protocol';
import {
  HttpTransport,
  TransportError,
  type ThreadClientOptions,
  type ThreadRequest,
  type ThreadResponse,
} from './http-transport';

/**
 * The thread that makes the provider HTTP calls (http.worker.ts), one per process: axios over
 * keep-alive agents, one instance per ProviderHttp. Building, sending and reading a request cost
 * the event loop a share of every delivered email's CPU, while HTTP ingest and the store need
 * that loop; a call here costs the loop one message out and one back (measured against
 * InlineTransport in bench/README.md). The thread starts with the first client and ends with the
 * last or at shutdown; it never keeps the process alive by itself when idle.
 */
export class ThreadTransport extends HttpTransport {
  private worker?: Worker;
  private readonly clients = new Map<number, ThreadClientOptions>();
  private readonly pending = new Map<
    number,
    { resolve(r: ThreadResponse): void; reject(e: Error): void }
  >();
  private nextClient = 0;
  private nextId = 0;
  private ready: Promise<void> = Promise.resolve();

  /** Registers a client; starts the thread now, so the first send does not wait for it to load. */
  open(options: ThreadClientOptions): number {
    const client = ++this.nextClient;
    this.clients.set(client, options);
    if (this.worker) post(this.worker, { type: 'open', client, options });
    else this.started();
    return client;
  }

  /**
   * Resolves once the thread has loaded (or has exited): awaited at startup, so the first sends
   * do not spend their deadline on the thread's module loading.
   */
  whenReady(): Promise<void> {
    return this.ready;
  }

  close(client: number): void {
    if (!this.clients.delete(client)) return;
    if (this.worker) post(this.worker, { type: 'close', client });
    if (this.clients.size === 0 && this.worker) {
      const worker = this.worker;
      this.worker = undefined;
      this.failAll('ERR_CLOSED');
      void worker.terminate();
    }
  }

  request(client: number, req: ThreadRequest, signal?: AbortSignal): Promise<ThreadResponse> {
    // Aborted before it was handed over: nothing left.
    if (signal?.aborted) return Promise.reject(new TransportError('ERR_NOT_STARTED'));
    const worker = this.started();
    const id = ++this.nextId;
    return new Promise<ThreadResponse>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        post(worker, { type: 'abort', id });
        this.settled(worker);
        reject(new TransportError('ERR_CANCELED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      if (this.pending.size === 1) worker.ref();
      post(worker, { type: 'request', id, client, ...req });
    });
  }

  async shutdown(): Promise<void> {
    const worker = this.worker;
    this.clients.clear();
    this.worker = undefined;
    this.failAll('ERR_CLOSED');
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // Its objects die young (a request and its response): a small young generation keeps the
    // thread's share of the process's memory small under load (figures in bench/README.md).
    const worker = startWorker({ resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.unref();
    this.ready = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    post(worker, { type: 'ping' });
    worker.on('message', (reply: FromThread) => {
      if ('type' in reply) return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return; // aborted meanwhile
      this.pending.delete(reply.id);
      this.settled(worker);
      if ('error' in reply) {
        waiter.reject(new TransportError(reply.error.code ?? 'ERR_NETWORK', reply.error.causeCode));
      } else {
        waiter.resolve({ status: reply.status, headers: reply.headers, text: reply.text });
      }
    });
    // A thread that dies fails what it held; the next request starts a new one.
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll('ERR_THREAD_EXITED');
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    for (const [client, options] of this.clients) {
      post(worker, { type: 'open', client, options });
    }
    this.worker = worker;
    return worker;
  }

  private settled(worker: Worker): void {
    if (this.pending.size === 0) worker.unref();
  }

  private failAll(code: string): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) waiter.reject(new TransportError(code));
  }
}

/** Only typed messages cross to the thread. */
function post(worker: Worker, message: ToThread): void {
  worker.postMessage(message);
}

/**
 * The thread's entry: the compiled http.worker.js beside this file in dist/. From src/ (tests,
 * ts-node) there are only .ts files: this folder's modules are transpiled once per process
 * (TypeScript's transpileModule, as ts-node would) and the thread's `require` reads them from
 * that map, so a thread that starts again costs no compilation.
 */
function startWorker(options: WorkerOptions): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'http.worker.js'), options);
  sources ??= transpiledFolder(__dirname);
  return new Worker(SOURCE_LOADER, {
    ...options,
    eval: true,
    workerData: { entry: join(__dirname, 'http.worker.ts'), sources },
  });
}

let sources: Record<string, string> | undefined;

function transpiledFolder(dir: string): Record<string, string> {
  // A devDependency, needed only when running from the TypeScript sources.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
    const file = join(dir, name);
    out[file] = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    }).outputText;
  }
  return out;
}

/** Runs in the thread (from src/ only): `require` of a .ts file reads the transpiled map. */
const SOURCE_LOADER = `
const Module = require('node:module');
const { workerData } = require('node:worker_threads');
Module._extensions['.ts'] = (module, filename) => {
  const js = workerData.sources[filename];
  if (js === undefined) throw new Error('the HTTP thread cannot load ' + filename);
  module._compile(js, filename);
};
Module.createRequire(workerData.entry)(workerData.entry);
`;
