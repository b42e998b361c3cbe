import type { z } from 'zod';
import type { OutboundEmail } from './email';
import { parseSendAt } from './send-at';
import { InvalidInputError, type FieldProblem } from './errors';
import {
  legacyRequestSchema,
  sendRequestSchema,
  type SendLimits,
  type SendRequestSchema,
} from './send-request.schema';

export { isBase64, type SendLimits } from './send-request.schema';

/**
 * The limits plus what routing allows, so that one answer names every bad field: provider ids
 * that exist and how far ahead `sendAt` may be. Without them those two are not checked here.
 */
export interface SendRules extends SendLimits {
  providerIds?: readonly string[];
  maxScheduleHorizonMs?: number;
  now?: Date;
}

/** A validated send request: the message (without its id) and how to route it. */
export interface SendRequest {
  message: Omit<OutboundEmail, 'id'>;
  sendAt: Date | null;
  providers: string[] | null;
}

/** Problems reported per list (to, attachments, headers, ...) and in all, so the answer stays small. */
export const MAX_PROBLEMS_PER_LIST = 5;
export const MAX_PROBLEMS = 50;

/**
 * Validates and normalises the body of `POST /v1/emails` with its schema (send-request.schema.ts,
 * which also gives the OpenAPI document), then the rules that depend on this moment and this
 * configuration: the recipients of to, cc and bcc together, html or text, provider ids and how
 * far ahead sendAt may be. Every problem is named with the path of its field, in one answer.
 */
export function parseSendRequest(body: unknown, rules: SendRules): SendRequest {
  const schema = sendRequestSchema(rules);
  const result = schema.safeParse(body);
  const problems = result.success ? [] : fieldProblems(result.error.issues);
  if (typeof body === 'object' && body !== null && !Array.isArray(body))
    problems.push(...crossFieldProblems(body as Record<string, unknown>, rules));
  if (problems.length || !result.success) throw new InvalidInputError(capped(problems, schema));
  const { sendAt, providers, ...message } = result.data;
  return { message, sendAt, providers };
}

/** The rules a schema of the body alone cannot hold; read from the body as given. */
function crossFieldProblems(b: Record<string, unknown>, rules: SendRules): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const sizes = [b.to, b.cc, b.bcc].map((v) =>
    v === undefined || v === null ? 0 : Array.isArray(v) ? v.length : 1,
  );
  const recipients = sizes.reduce((n, s) => n + s, 0);
  // A single list over the limit has said so already (and its items were not read).
  if (recipients > rules.maxRecipients && sizes.every((s) => s <= rules.maxRecipients))
    problems.push({
      field: 'to',
      detail: `to, cc and bcc together must have at most ${rules.maxRecipients} recipients (has ${recipients})`,
    });
  if ((b.html === undefined || b.html === null) && (b.text === undefined || b.text === null))
    problems.push({ field: 'html', detail: 'html or text (or both) is required' });
  if (typeof b.sendAt === 'string' && rules.maxScheduleHorizonMs !== undefined) {
    const at = parseSendAt(b.sendAt);
    const now = rules.now ?? new Date();
    if (at && at.getTime() - now.getTime() > rules.maxScheduleHorizonMs)
      problems.push({ field: 'sendAt', detail: horizonProblem(rules.maxScheduleHorizonMs) });
  }
  if (rules.providerIds && Array.isArray(b.providers)) {
    const ids = b.providers.filter((p): p is string => typeof p === 'string');
    const problem = unknownProvidersProblem(ids, rules.providerIds);
    if (problem) problems.push({ field: 'providers', detail: problem });
  }
  return problems;
}

/** The problem with provider ids that are not configured, or undefined when all are. */
export function unknownProvidersProblem(
  ids: readonly string[],
  known: readonly string[],
): string | undefined {
  const unknown = [...new Set(ids)].filter((id) => !known.includes(id));
  return unknown.length
    ? `unknown provider id(s): ${unknown.slice(0, 10).join(', ')}; known: ${known.join(', ')}`
    : undefined;
}

export function horizonProblem(maxScheduleHorizonMs: number): string {
  return `must be at most ${Math.round(maxScheduleHorizonMs / 86_400_000)} days ahead`;
}

type Path = readonly PropertyKey[];

/** A zod path as the problem's field: `to[1]`, `headers.X-Campaign`, `attachments[0].content`. */
function fieldOf(path: Path): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/** The schema's issues as problems, each with the full path of its field. */
function fieldProblems(issues: readonly z.core.$ZodIssue[], prefix: Path = []): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      // One address or a list of them: report the branch that took the input's type.
      const fitting = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
      if (fitting.length === 1) out.push(...fieldProblems(fitting[0], path));
      else out.push({ field: fieldOf(path), detail: issue.message });
    } else if (issue.code === 'invalid_key') {
      out.push({ field: fieldOf(path), detail: issue.issues[0]?.message ?? issue.message });
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ field: fieldOf([...path, key]), detail: unknownKeyProblem(path, key) });
    } else out.push({ field: fieldOf(path), detail: issue.message });
  }
  return out;
}

const isTypeMismatch = (issue: z.core.$ZodIssue) =>
  issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_union');

function unknownKeyProblem(path: Path, key: string): string {
  return path[0] === 'attachments' && ['path', 'url', 'href'].includes(key)
    ? 'attachments are bytes only (base64 content), never a path or URL'
    : 'is not a known field';
}

/**
 * One problem per field (the first), in the order of the schema's fields (unknown fields first),
 * at most MAX_PROBLEMS_PER_LIST for the items of one list or object and MAX_PROBLEMS in all, each
 * cut said in one line: a list of a million bad items answers a small document.
 */
function capped(problems: FieldProblem[], schema: SendRequestSchema): FieldProblem[] {
  const order = Object.keys(schema.shape);
  const rank = (p: FieldProblem) => order.indexOf(/^[^.[]*/.exec(p.field)![0]);
  const seen = new Set<string>();
  const unique = problems
    .filter((p) => !seen.has(p.field) && seen.add(p.field))
    .sort((a, b) => rank(a) - rank(b));
  const perList = new Map<string, number>();
  const out: FieldProblem[] = [];
  const flush = (list: string) => {
    const extra = (perList.get(list) ?? 0) - MAX_PROBLEMS_PER_LIST;
    if (extra > 0) out.push({ field: list, detail: `and ${extra} more problems in this list` });
  };
  let current: string | undefined;
  for (const p of unique) {
    const top = /^[^.[]*/.exec(p.field)![0];
    // Items of a list (to[3], headers.X) and unknown fields (the body's own items) are capped.
    const list = rank(p) < 0 ? '' : p.field !== top ? top : undefined;
    if (current !== undefined && list !== current) flush(current);
    current = list;
    if (list === undefined) {
      out.push(p);
      continue;
    }
    const n = (perList.get(list) ?? 0) + 1;
    perList.set(list, n);
    if (n <= MAX_PROBLEMS_PER_LIST) out.push(p);
  }
  if (current !== undefined) flush(current);
  if (out.length <= MAX_PROBLEMS) return out;
  return [
    ...out.slice(0, MAX_PROBLEMS),
    { field: '', detail: `and ${out.length - MAX_PROBLEMS} more problems` },
  ];
}

/** The original service's call, mapped onto the send request; problems named by its fields. */
export function parseLegacyRequest(body: unknown, rules: SendRules): SendRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError([
      { field: '', detail: 'the body must be a form or a JSON object' },
    ]);
  }
  const b = body as Record<string, unknown>;
  const known = Object.keys(legacyRequestSchema.shape);
  const unknown: FieldProblem[] = Object.keys(b)
    .filter((k) => !known.includes(k))
    .map((field) => ({ field, detail: 'is not a known field' }));
  const address = (email: unknown, name: unknown) =>
    email === undefined ? undefined : name === undefined || name === '' ? email : { email, name };
  const mapped: Record<string, unknown> = {
    from: address(b.from, b.from_name),
    to: address(b.to, b.to_name),
    subject: b.subject,
    html: b.body === '' ? undefined : b.body,
    text: b.text === '' ? undefined : b.text,
    sendAt: b.send_at === '' ? undefined : b.send_at,
  };
  try {
    if (unknown.length) throw new InvalidInputError([]);
    return parseSendRequest(mapped, rules);
  } catch (e) {
    if (!(e instanceof InvalidInputError)) throw e;
    const rename: Record<string, string> = { html: 'body', sendAt: 'send_at' };
    const problems = e.problems.map((p) => ({
      field: rename[p.field] ?? p.field,
      detail:
        p.field === 'html' && p.detail.startsWith('html or text')
          ? 'body (or text) is required'
          : p.detail,
    }));
    throw new InvalidInputError([...unknown, ...problems]);
  }
}
