import { signRequest } from './signing.js';

/** The key this tab is signed in with. The secret lives in sessionStorage: this tab only. */
export interface Session {
  keyId: string;
  secret: string;
}

const STORAGE_KEY = 'mailover.console.session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.keyId === 'string' && typeof s.secret === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export interface Answer<T = unknown> {
  status: number;
  ok: boolean;
  json: T;
}

/** A refused call: its status and the problem's detail, for a message on the page. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Fired when the API refuses the key (401): the app then returns to the sign-in form. */
export const UNAUTHORIZED_EVENT = 'mailover:unauthorized';

/** Calls the API with a request signed in the page; the secret is never sent. */
export async function call<T = unknown>(
  session: Session,
  method: string,
  target: string,
  body?: unknown,
): Promise<Answer<T>> {
  const raw = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = await signRequest({
    keyId: session.keyId,
    secret: session.secret,
    method,
    target,
    body: raw,
  });
  if (raw) headers['Content-Type'] = 'application/json';
  const res = await fetch(target, {
    method,
    headers,
    body: raw || undefined,
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, ok: res.ok, json: json as T };
}

/** Like call, but a refusal throws ApiError with a message for the operator. */
export async function get<T = unknown>(session: Session, target: string): Promise<T> {
  return expectOk(await call<T>(session, 'GET', target));
}

export function expectOk<T>(answer: Answer<T>): T {
  if (answer.ok) return answer.json;
  if (answer.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  throw new ApiError(answer.status, problemText(answer));
}

/** A sentence for a refused call, from its problem+json. */
export function problemText(answer: Answer): string {
  const problem = (answer.json ?? {}) as {
    detail?: string;
    title?: string;
    errors?: Array<{ field: string; detail: string }>;
  };
  if (answer.status === 403)
    return `This key may not do that (${problem.detail ?? 'missing scope'}).`;
  const fields = problem.errors?.map((e) => `${e.field}: ${e.detail}`).join('; ');
  return [problem.detail ?? problem.title ?? `HTTP ${answer.status}`, fields]
    .filter(Boolean)
    .join(' ');
}
