import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { newId } from '../../src/domain/id';
import { SqliteEmailStore } from '../../src/store/sqlite/sqlite.store';
import { freePort } from '../../test/support/spawn-server';
import { startServer } from './children';

/** Deliveries waiting in the store when the server starts. */
export const WEBHOOK_DELIVERIES = 5_000;
const BOUND_SECONDS = 60;

export interface WebhookDeliveryRun {
  deliveries: number;
  /** webhooks.concurrency of the run (the default). */
  concurrency: number;
  /** From the first request at the receiver to the last distinct webhook-id. */
  seconds?: number;
  perSecond?: number;
  /** Distinct webhook-ids received (all of them unless the run stopped waiting). */
  received: number;
  /** Requests beyond one per webhook-id (at least once: should be 0 here). */
  repeats: number;
  serverCpuShare?: number;
  peakRssBytes: number;
}

/**
 * Outbound webhooks: a fresh server whose SQLite store holds WEBHOOK_DELIVERIES pending
 * `email.sent` deliveries (written before it starts, with a real body's size), sending them to a
 * receiver in this process on 127.0.0.1 that answers 204 at once. Default webhooks settings.
 */
export async function webhookDeliveries(work: string): Promise<WebhookDeliveryRun> {
  const dataDir = join(work, 'webhooks');
  mkdirSync(dataDir, { recursive: true });
  const seen = new Set<string>();
  let repeats = 0;
  let first = 0;
  let last = 0;
  let finish: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => (finish = resolve));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) repeats++;
      else seen.add(id);
      first ||= Date.now();
      last = Date.now();
      res.writeHead(204).end();
      if (seen.size === WEBHOOK_DELIVERIES) finish();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;

  const store = new SqliteEmailStore(join(dataDir, 'mailover.db'));
  await store.migrate();
  const now = new Date();
  const payload = JSON.stringify({
    type: 'email.sent',
    timestamp: now.toISOString(),
    data: {
      emailId: newId(),
      tenant: 'bench',
      event: {
        type: 'sent',
        occurredAt: now.toISOString(),
        providerId: 'resend-fake',
        providerMessageId: randomBytes(16).toString('hex'),
      },
      email: {
        id: newId(),
        status: 'sent',
        providerId: 'resend-fake',
        providerMessageId: randomBytes(16).toString('hex'),
        tags: ['receipt'],
        metadata: { order: '42', category: 'receipt' },
      },
    },
  });
  const rows = Array.from({ length: WEBHOOK_DELIVERIES }, () => ({
    id: `msg_${newId()}`,
    endpointId: 'app',
    type: 'email.sent',
    emailId: newId(),
    tenant: 'bench',
    payload,
    createdAt: now,
  }));
  for (let i = 0; i < rows.length; i += 1000)
    await store.webhookDeliveries().enqueue(rows.slice(i, i + 1000));
  await store.close();

  const file = join(dataDir, 'bench.yaml');
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1' },
      auth: { keys: [{ id: 'bench', secret: randomBytes(24).toString('hex'), scopes: ['send'] }] },
      webhooks: {
        endpoints: [
          {
            id: 'app',
            url: `http://127.0.0.1:${port}/hooks`,
            secret: `whsec_${randomBytes(32).toString('base64')}`,
            events: ['*'],
          },
        ],
      },
    }),
  );
  const server = await startServer(
    ['dist/main.js'],
    { MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dataDir, NODE_ENV: 'production' },
    await freePort(),
    join(work, 'webhooks.log'),
  );
  try {
    const cpuBefore = server.cpuSeconds();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, BOUND_SECONDS * 1000).unref());
    await Promise.race([complete, timer]);
    const done = seen.size === WEBHOOK_DELIVERIES;
    const seconds = done ? (last - first) / 1000 : undefined;
    return {
      deliveries: WEBHOOK_DELIVERIES,
      concurrency: 16,
      seconds,
      perSecond: seconds ? WEBHOOK_DELIVERIES / seconds : undefined,
      received: seen.size,
      repeats,
      serverCpuShare: seconds ? (server.cpuSeconds() - cpuBefore) / seconds : undefined,
      peakRssBytes: Math.max(server.highWaterRss(), server.sampledPeakRss()),
    };
  } finally {
    await server.kill();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
