import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { App } from '../app.ts';
import { answerUnknownRoute, sendError } from '../plugins/errors.ts';

/** Where `npm run build:web` writes the dashboard. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface StaticFile {
  body: Buffer;
  etag: string;
  mtimeMs: number;
}

/**
 * The dashboard's static files. Vite names the files under `assets/` by their content hash, so
 * they are cached for a year; everything else (index.html, the service worker, the manifest) is
 * revalidated on each use so a new release is picked up at once. Any other path that is not an
 * API path gets index.html: the single-page app routes it in the browser (and asks to sign in).
 */
export function registerDashboardRoutes(app: App, options: { dir?: string } = {}): void {
  const root = options.dir ?? DASHBOARD_DIR;
  const cache = new Map<string, StaticFile>();

  const load = async (file: string): Promise<StaticFile | undefined> => {
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs) return cached;
    const body = await fs.readFile(file);
    const loaded = {
      body,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      mtimeMs: stat.mtimeMs,
    };
    cache.set(file, loaded);
    return loaded;
  };

  const send = (reply: FastifyReply, file: StaticFile, name: string, ifNoneMatch: string | undefined) => {
    const immutable = name.startsWith(`assets${path.sep}`) || name.startsWith('assets/');
    reply
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', file.etag)
      .type(CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream');
    if (ifNoneMatch === file.etag) return reply.status(304).send();
    return reply.send(file.body);
  };

  app.get(
    '/*',
    {
      config: { access: 'public' },
      schema: { hide: true },
    },
    async (request, reply) => {
      const pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
      if (pathname === '/api' || pathname.startsWith('/api/')) return answerUnknownRoute(request, reply);
      const ifNoneMatch = request.headers['if-none-match'];
      // Only files inside the dashboard folder; `..` segments cannot climb out of it.
      const relative = path.normalize(pathname).replace(/^([/\\])+/, '');
      const candidate = path.join(root, relative);
      if (relative !== '' && candidate.startsWith(root) && !relative.split(path.sep).includes('..')) {
        const file = await load(candidate);
        if (file) return send(reply, file, relative, ifNoneMatch);
        // A missing hashed asset is an old release's: answer 404 rather than HTML the browser cannot run.
        if (relative.startsWith('assets')) {
          return sendError(reply, 404, {
            error: { code: 'route.not_found', message: `There is no file ${pathname}.` },
          });
        }
      }
      const index = await load(path.join(root, 'index.html'));
      if (!index) {
        return sendError(reply, 503, {
          error: {
            code: 'dashboard.not_built',
            message:
              'The dashboard has not been built. Run `npm run build:web` (npm ci runs it), then reload.',
          },
        });
      }
      return send(reply, index, 'index.html', ifNoneMatch);
    },
  );
}
