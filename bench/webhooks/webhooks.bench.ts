/**
 * Provider webhooks: SendGrid batches of 1,000 events, signed with ECDSA P-256, posted to
 * `POST /v1/webhooks/sg` of an in-process app (SQLite, the defaults), one batch at a time.
 * Prints events/s verified and stored (answered 200) and events/s processed into events (matched,
 * stored, counted). Target: >= 5,000 events/s verified and stored.
 *
 *   npx ts-node --transpile-only bench/webhooks/webhooks.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config.loader';
import { EVENT_STORE, type EventStore } from '../../src/store/events.store';
import { sendgridKeys, sendgridSigned } from '../../test/support/webhook-signing';

const EVENTS_PER_BATCH = 1000;
const BATCHES = 20;
const TARGET_PER_SECOND = 5000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailover-webhook-bench-'));
  const keys = sendgridKeys();
  const file = join(dir, 'overlay.yaml');
  writeFileSync(
    file,
    stringify({
      auth: { keys: [{ id: 'bench', secret: randomBytes(24).toString('hex'), scopes: ['admin'] }] },
      logging: { level: 'warn' },
      rateLimit: { webhooks: { limit: 1e9, ttlMs: 1000 } },
      providers: [
        { id: 'sandbox', type: 'sandbox' },
        {
          id: 'sg',
          type: 'sendgrid',
          apiKey: 'k',
          enabled: false,
          webhook: { publicKey: keys.publicKey },
        },
      ],
    }),
  );
  const config = loadConfig({
    MAILOVER_CONFIG: file,
    MAILOVER_DATA_DIR: dir,
    NODE_ENV: 'production',
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/v1/webhooks/sg`;
  const store = app.get<EventStore>(EVENT_STORE);
  try {
    const batch = (n: number) =>
      Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
        email: `user${i}@example.com`,
        timestamp: Math.floor(Date.now() / 1000),
        event: i % 3 === 0 ? 'delivered' : i % 3 === 1 ? 'open' : 'processed',
        sg_event_id: `b${n}-e${i}-${randomBytes(6).toString('hex')}`,
        sg_message_id: `${randomBytes(11).toString('base64url')}.filterdrecv-1`,
        mailover_id: '01JD0000000000000000000001',
      }));
    const post = async (n: number) => {
      const signed = sendgridSigned(keys.privateKey, batch(n));
      const res = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
      if (res.status !== 200) throw new Error(`batch ${n}: ${res.status} ${await res.text()}`);
    };
    const drained = async () => {
      while ((await store.pendingDeliveries(1)).length > 0)
        await new Promise((r) => setTimeout(r, 5));
    };
    await post(-1); // warm-up
    await drained();
    const start = process.hrtime.bigint();
    for (let n = 0; n < BATCHES; n++) await post(n);
    const stored = Number(process.hrtime.bigint() - start) / 1e9;
    await drained();
    const processed = Number(process.hrtime.bigint() - start) / 1e9;
    const events = BATCHES * EVENTS_PER_BATCH;
    const storedPerSecond = events / stored;
    process.stdout.write(
      [
        `Provider webhooks: ${BATCHES} SendGrid batches of ${EVENTS_PER_BATCH} events, one at a time, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}`,
        `  verified and stored (answered 200)   ${Math.round(storedPerSecond)} events/s   target >= ${TARGET_PER_SECOND}   ${storedPerSecond >= TARGET_PER_SECOND ? 'MET' : 'MISS'}`,
        `  processed into events (all stored)   ${Math.round(events / processed)} events/s   (matching, one insert per 500, counting)`,
        '',
      ].join('\n'),
    );
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
