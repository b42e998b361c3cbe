/**
 * The provider the benchmarked server delivers to: test/fakes' Resend fake in its own process (so
 * it shares an event loop with neither the server nor the load generator), answering after
 * `latencyMs`. It counts the distinct Mailover ids it created an email for and reports to its
 * parent over IPC.
 *
 *   node -r ts-node/register/transpile-only bench/fake-provider.ts <latencyMs>
 *
 * The messages are in support/fake-protocol.ts.
 */
import type { FakeResponse, RecordedRequest } from '../test/fakes/fake-http-server';
import { ResendFake } from '../test/fakes/resend.fake';
import { FAKE_API_KEY, type FakeCommand, type FakeReport } from './support/fake-protocol';

class CountingResendFake extends ResendFake {
  private ids = new Set<string>();
  private expected = Infinity;
  private firstAt = 0;

  expect(count: number): void {
    this.ids = new Set();
    this.expected = count;
    this.firstAt = 0;
  }

  get distinct(): number {
    return this.ids.size;
  }

  protected override async handle(req: RecordedRequest): Promise<FakeResponse> {
    // The fake keeps Idempotency-Keys in a map it sweeps in full on every request (fine for
    // tests, quadratic over 20,000 sends): the benchmark measures Mailover, not that sweep.
    delete req.headers['idempotency-key'];
    const answer = await super.handle(req);
    if (answer.status === 200) {
      const tags = (req.json as { tags?: Array<{ name: string; value: string }> }).tags ?? [];
      const id = tags.find((t) => t.name === 'mailover_id')?.value;
      if (id) {
        if (this.firstAt === 0) this.firstAt = Date.now();
        this.ids.add(id);
        if (this.ids.size === this.expected) {
          report({ type: 'done', at: Date.now(), firstAt: this.firstAt, distinct: this.ids.size });
        }
      }
    }
    return answer;
  }
}

function report(message: FakeReport): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('bench/fake-provider.ts runs as a child process with an IPC channel');
  const fake = new CountingResendFake({ apiKey: FAKE_API_KEY });
  fake.latencyMs = Number(process.argv[2] ?? 20);
  fake.recordLimit = 100;
  const url = await fake.start();
  process.on('message', (command: FakeCommand) => {
    if (command.type === 'expect') fake.expect(command.count);
    else report({ type: 'stats', distinct: fake.distinct, received: fake.receivedCount });
  });
  // Ends with its parent, whatever happens to the parent.
  process.on('disconnect', () => void fake.stop().finally(() => process.exit(0)));
  report({ type: 'ready', url });
}

void main();
