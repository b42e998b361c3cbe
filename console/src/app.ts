import { clearSession, loadSession, type Session } from './api.js';

/** What every page gets: the key, the element to draw in, and the route's parts. */
export interface PageContext {
  session: Session;
  main: HTMLElement;
  params: string[];
  query: URLSearchParams;
  /** Runs `fn` every `ms` (after the first `ms`) while the page is shown and the tab is visible. */
  poll(fn: () => Promise<void>, ms: number): void;
}

export type Page = (ctx: PageContext) => Promise<void>;

/** The console's base path, from <base href> (the server sets it: /console/ by default). */
export const BASE = new URL(document.baseURI).pathname.replace(/\/?$/, '/');

/** A console page's URL, for links and navigation (`emails/ID` -> /console/emails/ID). */
export function href(path: string): string {
  return BASE + path.replace(/^\//, '');
}

/** The route of the current location, relative to BASE, without slashes at either end. */
export function currentRoute(): string {
  const path = location.pathname;
  const inside = path.startsWith(BASE) ? path.slice(BASE.length) : '';
  return decodeURIComponent(inside).replace(/^\/+|\/+$/g, '');
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('popstate'));
}

export function session(): Session | undefined {
  return loadSession();
}

export function signOut(): void {
  clearSession();
}
