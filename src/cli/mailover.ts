#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MailoverApiError, MailoverClient, type SendEmailInput } from '../client/mailover-client';
import { signRequest } from '../domain/signing';
import { type Email, formatEmail, formatEmailList, formatProviders } from './format';

const USAGE = `Usage:
  mailover send --from ADDR --to ADDR [--to ADDR ...] --subject TEXT (--text TEXT | --html HTML)
                [--cc ADDR ...] [--bcc ADDR ...] [--tag TAG ...] [--send-at WHEN] [--idempotency-key KEY]
  mailover get ID                  one email with every attempt
  mailover list [--status S] [--recipient ADDR] [--provider P] [--limit N] [--cursor C]
                                   newest first; S: queued, scheduled, sending, sent, failed, cancelled
  mailover cancel ID               cancel a queued or scheduled email
  mailover providers               providers, their circuit state and recent outcomes
  mailover sign --method METHOD --path PATH [--body FILE|-]
      Prints the four X-Mailover-* headers for that request, one "Name: value" per line
      (curl -H @file reads them). PATH is the request target as sent: path plus ?query.
  mailover --version

Options:
  --url URL        Mailover's base URL   (env MAILOVER_URL, default http://127.0.0.1:3000)
  --key-id ID      the API key id        (env MAILOVER_KEY_ID)
  --secret SECRET  the API key's secret  (env MAILOVER_KEY_SECRET; prefer the environment,
                   as command lines are visible to other users)
  --from ADDR      may come from env MAILOVER_FROM
  --json           print the API's JSON answer instead of a table (send always prints JSON)
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<Buffer>;
  fetch?: typeof fetch;
}

type Values = ReturnType<typeof parse>['values'];

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
  if (values.version) {
    io.stdout(`mailover ${packageVersion()}\n`);
    return 0;
  }
  if (values.help || !command) {
    (values.help ? io.stdout : io.stderr)(USAGE);
    return values.help ? 0 : 2;
  }
  if (!COMMANDS.includes(command)) return usage(io, `unknown command "${command}"`);
  const keyId = values['key-id'] ?? env.MAILOVER_KEY_ID;
  const secret = values.secret ?? env.MAILOVER_KEY_SECRET;
  const missing = [
    !keyId && '--key-id (or MAILOVER_KEY_ID)',
    !secret && '--secret (or MAILOVER_KEY_SECRET)',
  ].filter(Boolean) as string[];

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

  const id = positionals[1];
  if ((command === 'get' || command === 'cancel') && !id) missing.push('the email id');
  if (command === 'send') {
    if (!(values.from ?? env.MAILOVER_FROM)) missing.push('--from (or MAILOVER_FROM)');
    if (!values.to?.length) missing.push('--to');
    if (values.subject === undefined) missing.push('--subject');
    if (values.text === undefined && values.html === undefined) missing.push('--text or --html');
  }
  if (missing.length) return usage(io, `missing ${missing.join(', ')}`);
  if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit))
    return usage(io, '--limit must be a positive integer');

  const baseUrl = values.url ?? env.MAILOVER_URL ?? 'http://127.0.0.1:3000';
  const client = new MailoverClient({ baseUrl, keyId: keyId!, secret: secret!, fetch: io.fetch });
  const print = (answer: unknown, readable: (answer: never) => string) =>
    io.stdout(values.json ? `${JSON.stringify(answer, null, 2)}\n` : readable(answer as never));
  try {
    switch (command) {
      case 'send': {
        const accepted = await client.sendEmail(sendInput(values, env), {
          idempotencyKey: values['idempotency-key'],
        });
        io.stdout(`${JSON.stringify(accepted)}\n`);
        break;
      }
      case 'get':
        print(await client.getEmail(id), formatEmail);
        break;
      case 'list':
        print(
          await client.listEmails({
            status: values.status,
            recipient: values.recipient,
            provider: values.provider,
            limit: values.limit,
            cursor: values.cursor,
          }),
          formatEmailList,
        );
        break;
      case 'cancel':
        print(await client.cancelEmail(id), (email: Email) => `${email.id} ${email.status}\n`);
        break;
      case 'providers':
        print(await client.listProviders(), formatProviders);
        break;
    }
    return 0;
  } catch (e) {
    if (e instanceof MailoverApiError) {
      io.stderr(
        `mailover: ${e.message}\n${e.problem ? `${JSON.stringify(e.problem, null, 2)}\n` : ''}`,
      );
    } else {
      io.stderr(`mailover: cannot reach Mailover at ${baseUrl}: ${networkReason(e)}\n`);
    }
    return 1;
  }
}

const COMMANDS = ['send', 'get', 'list', 'cancel', 'providers', 'sign'];

function sendInput(values: Values, env: Record<string, string | undefined>): SendEmailInput {
  return {
    from: (values.from ?? env.MAILOVER_FROM)!,
    to: values.to!,
    ...(values.cc ? { cc: values.cc } : {}),
    ...(values.bcc ? { bcc: values.bcc } : {}),
    subject: values.subject!,
    ...(values.text !== undefined ? { text: values.text } : {}),
    ...(values.html !== undefined ? { html: values.html } : {}),
    ...(values.tag ? { tags: values.tag } : {}),
    ...(values['send-at'] ? { sendAt: values['send-at'] } : {}),
  };
}

/** fetch's own message is "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is its cause. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
}

function packageVersion(): string {
  // src/cli and dist/cli both sit two levels below package.json.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
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
      status: { type: 'string' },
      recipient: { type: 'string' },
      provider: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
      version: { type: 'boolean', short: 'v' },
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
  // run() answers an exit code for every failure it knows; anything else crashes loudly, as before.
  void run(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: readStdin,
  }).then((code) => {
    process.exitCode = code;
  });
}
