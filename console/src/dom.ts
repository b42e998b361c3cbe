/** A tiny element builder: text is always set as text, never parsed as HTML. */
type Child = Node | string | number | null | undefined | false;
export type Children = Child | Children[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Children[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Children[]): void {
  for (const child of (children as Child[]).flat(Infinity as 1) as Child[]) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Local time, to the second. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function timeEl(iso: string | null | undefined): HTMLTimeElement {
  return h('time', { datetime: iso ?? '' }, time(iso));
}

export function badge(text: string, kind = text): HTMLSpanElement {
  return h('span', { class: `badge badge-${kind.replace(/[^a-z-]/g, '')}` }, text);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A message region that screen readers announce. */
export function notice(text: string, kind: 'error' | 'info' = 'error'): HTMLParagraphElement {
  return h(
    'p',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    text,
  );
}
