import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Where `npm run build` puts the console (scripts/build-console.js), from src/ and from dist/. */
export const CONSOLE_DIR = join(__dirname, '..', '..', 'dist', 'console-ui');

/** The placeholder in index.html that becomes the console's base path. */
const BASE_PLACEHOLDER = '%CONSOLE_BASE%';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The console's Content-Security-Policy: its own scripts only (no inline script), API calls to
 * this origin only, nothing loaded from elsewhere, never framed. Email HTML is shown in a
 * sandboxed srcdoc iframe without allow-scripts, which inherits this policy: its remote images
 * stay blocked, and 'unsafe-inline' for styles is what lets an email's inline styles render (no
 * script can run in the page or the preview).
 */
export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The parts of Fastify's request and reply used here (Nest's adapter has its own Fastify copy). */
interface Request {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}
interface Reply {
  header(name: string, value: string): Reply;
  code(status: number): Reply;
  type(contentType: string): Reply;
  send(payload?: unknown): Reply;
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every file of the built console, read once: they are small, and serving is then a lookup. */
function loadAssets(dir: string, base: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const file = join(path, entry);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      let body = readFileSync(file);
      if (entry === 'index.html')
        body = Buffer.from(body.toString('utf8').split(BASE_PLACEHOLDER).join(base), 'utf8');
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      const type = TYPES[extname(entry)] ?? 'application/octet-stream';
      assets.set(relative(dir, file).split(sep).join('/'), { body, type, etag });
    }
  };
  walk(dir);
  return assets;
}

/**
 * Serves the operator console's static files at `path` (e.g. /console). Any path below it that
 * names no file and has no extension is a page of the app (a deep link): it gets index.html, so
 * a reload on /console/emails/<id> works. Raw Fastify routes: no key is needed to load the app;
 * every API call it makes is signed in the browser. Call once, before listen.
 */
export function installConsole(
  app: NestFastifyApplication,
  path: string,
  dir: string = CONSOLE_DIR,
): void {
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Console').warn(`the console is not built (no ${dir}): run npm run build`);
    return;
  }
  const assets = loadAssets(dir, path);
  const index = assets.get('index.html')!;
  const fastify = app.getHttpAdapter().getInstance();

  const send = (request: Request, reply: Reply, asset: Asset) => {
    void reply
      .header('Content-Security-Policy', CONSOLE_POLICY)
      .header('X-Frame-Options', 'DENY')
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-cache')
      .header('ETag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  fastify.get(path, (request, reply) => send(request, reply, index));
  fastify.get(`${path}/*`, (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    const asset = assets.get(rest);
    if (asset) return send(request, reply, asset);
    // A missing file (a name with an extension) is a 404, not the app.
    if (extname(rest)) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'no such file in the console',
          instance: request.url.split('?')[0],
        });
    }
    return send(request, reply, index);
  });
}
