import { AxiosClients } from './axios-clients';
import {
  HttpTransport,
  TransportError,
  type ThreadClientOptions,
  type ThreadRequest,
  type ThreadResponse,
} from './http-transport';

/**
 * The provider HTTP calls on the event loop itself (`server.httpThread: false`): the same axios
 * clients as the HTTP thread, without the messages to and from it. For one-core machines, where
 * a second thread has no core to run on.
 */
export class InlineTransport extends HttpTransport {
  private readonly clients = new AxiosClients();
  private readonly handles = new Set<number>();
  private nextClient = 0;
  private nextId = 0;

  open(options: ThreadClientOptions): number {
    const client = ++this.nextClient;
    this.clients.open(client, options);
    this.handles.add(client);
    return client;
  }

  close(client: number): void {
    if (this.handles.delete(client)) this.clients.close(client);
  }

  request(client: number, req: ThreadRequest, signal?: AbortSignal): Promise<ThreadResponse> {
    if (signal?.aborted) return Promise.reject(new TransportError('ERR_NOT_STARTED'));
    const id = ++this.nextId;
    return new Promise<ThreadResponse>((resolve, reject) => {
      const onAbort = () => this.clients.abort(id);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.clients.request({ type: 'request', id, client, ...req }, (answer) => {
        signal?.removeEventListener('abort', onAbort);
        if ('error' in answer)
          reject(new TransportError(answer.error.code ?? 'ERR_NETWORK', answer.error.causeCode));
        else resolve({ status: answer.status, headers: answer.headers, text: answer.text });
      });
    });
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    for (const client of this.handles) this.clients.close(client);
    this.handles.clear();
    return Promise.resolve();
  }
}
