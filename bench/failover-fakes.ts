/**
 * The two providers of the failover scenario (bench/failover.ts) in their own process: Resend
 * fakes "primary" and "backup", each answering after `latencyMs`. Each records, per Mailover id,
 * when it answered 200 (the email was delivered then), and reports over IPC.
 *
 *   node -r ts-node/register/transpile-only bench/failover-fakes.ts <latencyMs>
 */
import type { FakeResponse, RecordedRequest } from '../test/fakes/fake-http-server';
import { ResendFake } from '../test/fakes/resend.fake';

export type Mode = 'healthy' | 'hanging' | '5xx' | 'refusing';
export type FailoverCommand = { type: 'mode'; mode: Mode } | { type: 'report' };
export type FailoverReport =
  | { type: 'ready'; primary: string; backup: string }
  | { type: 'moded' }
  /** [mailover id, epoch ms of the 200] for each provider. */
  | { type: 'report'; primary: Array<[string, number]>; backup: Array<[string, number]> };

export const FAILOVER_KEY = 're_failover_bench_key';

class RecordingFake extends ResendFake {
  delivered: Array<[string, number]> = [];

  protected override async handle(req: RecordedRequest): Promise<FakeResponse> {
    delete req.headers['idempotency-key']; // the fake's own idempotency map is not under test
    const answer = await super.handle(req);
    if (answer.status === 200) {
      const tags = (req.json as { tags?: Array<{ name: string; value: string }> }).tags ?? [];
      const id = tags.find((t) => t.name === 'mailover_id')?.value;
      if (id) this.delivered.push([id, Date.now()]);
    }
    return answer;
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('runs as a child process with an IPC channel');
  const latencyMs = Number(process.argv[2] ?? 20);
  const [primary, backup] = [
    new RecordingFake({ apiKey: FAILOVER_KEY }),
    new RecordingFake({ apiKey: FAILOVER_KEY }),
  ];
  for (const fake of [primary, backup]) {
    fake.latencyMs = latencyMs;
    fake.recordLimit = 10;
  }
  const urls = [await primary.start(), await backup.start()];
  const send = (m: FailoverReport) => process.send!(m);
  process.on('message', (command: FailoverCommand) => {
    if (command.type === 'report') {
      send({ type: 'report', primary: primary.delivered, backup: backup.delivered });
      return;
    }
    const kind = { healthy: undefined, hanging: 'hang', '5xx': 'server-error', refusing: 'down' }[
      command.mode
    ] as 'hang' | 'server-error' | 'down' | undefined;
    if (kind) primary.inject({ kind });
    send({ type: 'moded' });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', primary: urls[0], backup: urls[1] });
}

if (require.main === module) void main();
