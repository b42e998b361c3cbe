// Readable output of the mailover command: aligned fields and tables, nothing from the API
// printed raw to a terminal.

/** One attempt as GET /v1/emails/:id shows it. */
export interface Attempt {
  provider: string;
  outcome: string;
  providerStatus: number | null;
  error: string | null;
  durationMs: number;
  at: string;
}

export interface Email {
  id: string;
  status: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  tags: string[];
  sendAt: string | null;
  createdAt: string;
  updatedAt: string;
  provider: string | null;
  providerMessageId: string | null;
  error: string | null;
  rounds: number;
  attempts?: Attempt[];
}

export interface Provider {
  id: string;
  type: string;
  priority: number;
  weight: number;
  enabled: boolean;
  circuit: string;
  recentSuccessRate: number | null;
  recentOutcomes: number;
  lastError: { kind: string; message: string; at: string } | null;
}

export function formatEmail(email: Email): string {
  const fields: Array<[string, string | number | null | undefined]> = [
    ['id', email.id],
    ['status', email.status],
    ['from', email.from],
    ['to', email.to.join(', ')],
    ['cc', email.cc.join(', ') || null],
    ['bcc', email.bcc.join(', ') || null],
    ['subject', email.subject],
    ['tags', email.tags.join(', ') || null],
    ['send at', email.sendAt],
    ['created', email.createdAt],
    ['updated', email.updatedAt],
    ['provider', email.provider],
    ['message id', email.providerMessageId],
    ['error', email.error],
    ['rounds', email.rounds],
  ];
  const shown = fields.filter(([, value]) => value !== null && value !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length)) + 1;
  let text = shown.map(([name, value]) => `${`${name}:`.padEnd(width)} ${clean(value)}\n`).join('');
  const attempts = email.attempts ?? [];
  text += attempts.length
    ? `\nattempts:\n${table(
        ['AT', 'PROVIDER', 'OUTCOME', 'STATUS', 'MS', 'ERROR'],
        attempts.map((a) => [
          a.at,
          a.provider,
          a.outcome,
          a.providerStatus ?? '',
          a.durationMs,
          a.error ?? '',
        ]),
      )}`
    : '\nattempts: none yet\n';
  return text;
}

export function formatEmailList(page: { items: Email[]; nextCursor: string | null }): string {
  if (!page.items.length) return 'no emails\n';
  const text = table(
    ['ID', 'STATUS', 'CREATED', 'TO', 'SUBJECT', 'PROVIDER'],
    page.items.map((e) => [
      e.id,
      e.status,
      e.createdAt,
      cut(e.to.join(', '), 32),
      cut(e.subject, 40),
      e.provider ?? '',
    ]),
  );
  return page.nextCursor ? `${text}more: --cursor ${page.nextCursor}\n` : text;
}

export function formatProviders(answer: { items: Provider[] }): string {
  if (!answer.items.length) return 'no providers\n';
  return table(
    ['ID', 'TYPE', 'PRIORITY', 'WEIGHT', 'ENABLED', 'CIRCUIT', 'RECENT OK', 'LAST ERROR'],
    answer.items.map((p) => [
      p.id,
      p.type,
      p.priority,
      p.weight,
      p.enabled ? 'yes' : 'no',
      p.circuit,
      p.recentSuccessRate === null
        ? '-'
        : `${Math.round(p.recentSuccessRate * 100)}% of ${p.recentOutcomes}`,
      p.lastError ? cut(`${p.lastError.at} ${p.lastError.kind}: ${p.lastError.message}`, 60) : '',
    ]),
  );
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(clean))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Subjects and addresses come from senders: no control characters (terminal escapes) reach the screen. */
function clean(value: unknown): string {
  return String(value ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
