#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MailoverApiError, MailoverClient } from '../client/mailover-client';
import { signRequest } from '../domain/signing';

const USAGE = `Usage:
  mailover send --from ADDR --to ADDR [--to ADDR ...] --subject TEXT (--text TEXT | --html HTML)
                [--cc ADDR ...] [--bcc ADDR ...] [--tag TAG ...] [--send-at WHEN] [--idempotency-key KEY]
  mailover sign --method METHOD --path PATH [--body FILE|-]
      Prints the four X-Mailover-* headers for that request, one "Name: value" per line
      (curl -H @file reads them). PATH is the request target as sent: path plus ?query.

Options for both:
  --url URL        Mailover's base URL   (env MAILOVER_URL, default http://127.0.0.1:3000)
  --key-id ID      the API key id        (env MAILOVER_KEY_ID)
  --secret SECRET  the API key's secret  (env MAILOVER_KEY_SECRET; prefer the environment,
                   as command lines are visible to other users)
  --from ADDR      may come from env MAILOVER_FROM
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<Buffer>;
  fetch?: typeof fetch;
}

/** Runs one command; resolves to the exit code (0 ok, 1 refused by the API or unreachable, 2 usage). */
export async function run(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.stderr(`mailover: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(USAGE);
    return values.help ? 0 : 2;
  }
  const keyId = values['key-id'] ?? env.MAILOVER_KEY_ID;
  const secret = values.secret ?? env.MAILOVER_KEY_SECRET;
  const missing = [
    !keyId && '--key-id (or MAILOVER_KEY_ID)',
    !secret && '--secret (or MAILOVER_KEY_SECRET)',
  ].filter(Boolean);

  if (command === 'sign') {
    if (!values.method || !values.path) missing.push('--method and --path');
    if (missing.length) return usage(io, `missing ${missing.join(', ')}`);
    if (!values.path!.startsWith('/')) return usage(io, '--path must start with /');
    let body: Buffer | undefined;
    if (values.body === '-') body = await io.stdin();
    else if (values.body !== undefined) body = readFileSync(values.body);
    const headers = signRequest({
      keyId: keyId!,
      secret: secret!,
      method: values.method!,
      target: values.path!,
      body,
    });
    io.stdout(
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\n`)
        .join(''),
    );
    return 0;
  }

  if (command === 'send') {
    const from = values.from ?? env.MAILOVER_FROM;
    if (!from) missing.push('--from (or MAILOVER_FROM)');
    if (!values.to?.length) missing.push('--to');
    if (values.subject === undefined) missing.push('--subject');
    if (values.text === undefined && values.html === undefined) missing.push('--text or --html');
    if (missing.length) return usage(io, `missing ${missing.join(', ')}`);
    const client = new MailoverClient({
      baseUrl: values.url ?? env.MAILOVER_URL ?? 'http://127.0.0.1:3000',
      keyId: keyId!,
      secret: secret!,
      fetch: io.fetch,
    });
    try {
      const accepted = await client.sendEmail(
        {
          from: from!,
          to: values.to!,
          ...(values.cc ? { cc: values.cc } : {}),
          ...(values.bcc ? { bcc: values.bcc } : {}),
          subject: values.subject!,
          ...(values.text !== undefined ? { text: values.text } : {}),
          ...(values.html !== undefined ? { html: values.html } : {}),
          ...(values.tag ? { tags: values.tag } : {}),
          ...(values['send-at'] ? { sendAt: values['send-at'] } : {}),
        },
        { idempotencyKey: values['idempotency-key'] },
      );
      io.stdout(`${JSON.stringify(accepted)}\n`);
      return 0;
    } catch (e) {
      if (e instanceof MailoverApiError) {
        io.stderr(
          `mailover: ${e.message}\n${e.problem ? `${JSON.stringify(e.problem, null, 2)}\n` : ''}`,
        );
      } else {
        io.stderr(`mailover: cannot reach Mailover: ${(e as Error).message}\n`);
      }
      return 1;
    }
  }

  return usage(io, `unknown command "${command}"`);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      url: { type: 'string' },
      'key-id': { type: 'string' },
      secret: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', multiple: true },
      cc: { type: 'string', multiple: true },
      bcc: { type: 'string', multiple: true },
      subject: { type: 'string' },
      text: { type: 'string' },
      html: { type: 'string' },
      tag: { type: 'string', multiple: true },
      'send-at': { type: 'string' },
      'idempotency-key': { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
      body: { type: 'string' },
    },
  });
}

function usage(io: CliIo, problem: string): number {
  io.stderr(`mailover: ${problem}\n\n${USAGE}`);
  return 2;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

if (require.main === module) {
  run(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: readStdin,
  }).then((code) => {
    process.exitCode = code;
  });
}
