import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { App } from '../app.ts';
import {
  type HallOfFameEntry,
  renderHallOfFamePage,
  renderSecurityPolicyPage,
} from '../views/hall-of-fame-page.ts';

/**
 * Vulnerability disclosure: `/.well-known/security.txt` (RFC 9116), the policy page at `/security`
 * and the hall of fame at `/security/hall-of-fame`. All public; none touches the database.
 */

const DEFAULT_HALL_OF_FAME_FILE = fileURLToPath(new URL('../../../docs/hall-of-fame.json', import.meta.url));
const MAX_HALL_OF_FAME_BYTES = 1024 * 1024;
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;
/** A Host header we are willing to echo into absolute URLs (no spaces, paths or credentials). */
const SAFE_HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

const hallOfFameEntrySchema = z.object({
  name: z.string().trim().min(1).max(200),
  // Only web links: a `javascript:` URL in the file must never become a link.
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  date: z.iso.date(),
  summary: z.string().trim().min(1).max(2000),
});

const HTML = 'text/html; charset=utf-8';

export function registerDisclosureRoutes(app: App, { config }: { config: Config }): void {
  const hallOfFameFile = config.hallOfFameFile
    ? path.resolve(config.hallOfFameFile)
    : DEFAULT_HALL_OF_FAME_FILE;
  const contacts = contactUris(config.securityContact);

  app.get(
    '/.well-known/security.txt',
    {
      config: { access: 'public' },
      schema: { tags: ['security'], summary: 'How to report a vulnerability (RFC 9116)' },
    },
    async (request, reply) => {
      reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=86400');
      return securityTxt(contacts, config.publicUrl, baseUrlOf(request, config));
    },
  );

  app.get(
    '/security',
    {
      config: { access: 'public' },
      schema: { tags: ['security'], summary: 'The vulnerability disclosure policy (HTML)' },
    },
    async (_request, reply) => reply.type(HTML).send(renderSecurityPolicyPage({ contact: contacts })),
  );

  app.get(
    '/security/hall-of-fame',
    {
      config: { access: 'public' },
      schema: { tags: ['security'], summary: 'People thanked for reporting vulnerabilities (HTML)' },
    },
    async (request, reply) => {
      const entries = await loadHallOfFame(hallOfFameFile, request.log);
      return reply.type(HTML).send(renderHallOfFamePage(entries));
    },
  );
}

function securityTxt(contacts: readonly string[], publicUrl: string | undefined, base: string | undefined) {
  const lines = contacts.map((c) => `Contact: ${c}`);
  lines.push(`Expires: ${new Date(Date.now() + ONE_YEAR_MS).toISOString()}`);
  if (base) {
    lines.push(`Policy: ${base}/security`, `Acknowledgments: ${base}/security/hall-of-fame`);
  }
  lines.push('Preferred-Languages: en');
  if (publicUrl) lines.push(`Canonical: ${publicUrl}/.well-known/security.txt`);
  return `${lines.join('\n')}\n`;
}

/** RFC 9116 wants absolute URIs: PUBLIC_URL when set, else the address the request came to. */
function baseUrlOf(request: FastifyRequest, config: Config): string | undefined {
  if (config.publicUrl) return config.publicUrl;
  return SAFE_HOST.test(request.host) ? `${request.protocol}://${request.host}` : undefined;
}

/** SECURITY_CONTACT may list several, comma-separated; a bare email address becomes a mailto: URI. */
function contactUris(setting: string): string[] {
  return setting
    .split(',')
    .map((c) => c.replace(/\s+/g, ''))
    .filter(Boolean)
    .map((c) => (/^[a-z][a-z0-9+.-]*:/i.test(c) ? c : `mailto:${c}`));
}

/**
 * Reads the hall of fame on every request, so an operator's edit shows at once. A missing or broken
 * file must not take the page down: it shows what is valid and logs why the rest is not.
 */
async function loadHallOfFame(file: string, log: FastifyBaseLogger): Promise<HallOfFameEntry[]> {
  let data: unknown;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_HALL_OF_FAME_BYTES) throw new Error(`larger than ${MAX_HALL_OF_FAME_BYTES} bytes`);
    data = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    log.warn({ file, reason: (error as Error).message }, 'cannot read the hall-of-fame file; showing no one');
    return [];
  }
  if (!Array.isArray(data)) {
    log.warn({ file }, 'the hall-of-fame file must hold a JSON array of entries; showing no one');
    return [];
  }
  const entries: HallOfFameEntry[] = [];
  data.forEach((item: unknown, index) => {
    const parsed = hallOfFameEntrySchema.safeParse(item);
    if (parsed.success) entries.push(parsed.data);
    else
      log.warn(
        { file, index, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
        'skipping an invalid hall-of-fame entry',
      );
  });
  return entries.sort((a, b) => b.date.localeCompare(a.date));
}
