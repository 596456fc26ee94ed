import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { decodeHtml, extractPageMetadata } from './page-metadata.ts';

/** What the composer shows under a link: fetched once, then reused for a day. */
export interface LinkPreview {
  url: string;
  finalUrl: string;
  title: string | null;
  description: string | null;
  image: string | null;
  siteName: string | null;
  fetchedAt: Date;
}

/** The part of the SSRF guard a preview needs (src/security/ssrf-guard.ts implements it). */
export interface PageFetcher {
  parseUrl(raw: string): URL;
  fetch(
    url: string,
    limits: { maxBytes: number; timeoutMs: number; maxRedirects: number; accept?: string },
  ): Promise<{
    url: string;
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }>;
}

export const PREVIEW_LIMITS = {
  maxBytes: 1024 * 1024,
  timeoutMs: 5_000,
  maxRedirects: 5,
  accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
};
const CACHE_HOURS = 24;

export async function previewLink(
  sql: Sql,
  fetcher: PageFetcher,
  organizationId: string,
  rawUrl: string,
): Promise<LinkPreview> {
  const parsed = fetcher.parseUrl(rawUrl);
  parsed.hash = '';
  const url = parsed.href;

  const [cached] = await sql<PreviewRow[]>`
    select url, final_url, title, description, image_url, site_name, fetched_at from link_previews
    where organization_id = ${organizationId} and url = ${url}
      and fetched_at > now() - make_interval(hours => ${CACHE_HOURS})`;
  if (cached) return present(cached);

  const response = await fetcher.fetch(url, PREVIEW_LIMITS).catch((error: unknown) => {
    throw asUpstreamFailure(error, parsed.host);
  });
  if (response.status < 200 || response.status > 299) {
    throw new SpoolError(
      'link_preview.upstream_failed',
      `${parsed.host} answered ${response.status}, so there is no preview for this link. Check the link, or try again later.`,
      'upstream_failed',
      { status: response.status, host: parsed.host },
    );
  }
  const contentType = header(response.headers['content-type']);
  const isHtml = /^\s*(text\/html|application\/xhtml\+xml)/i.test(contentType ?? '');
  const isImage = /^\s*image\//i.test(contentType ?? '');
  const metadata = isHtml
    ? extractPageMetadata(decodeHtml(response.body, contentType), response.url)
    : { title: null, description: null, image: isImage ? response.url : null, siteName: null };

  const [row] = await sql<PreviewRow[]>`
    insert into link_previews (organization_id, url, final_url, title, description, image_url, site_name)
    values (${organizationId}, ${url}, ${response.url}, ${metadata.title}, ${metadata.description},
            ${metadata.image}, ${metadata.siteName})
    on conflict (organization_id, url) do update set
      final_url = excluded.final_url, title = excluded.title, description = excluded.description,
      image_url = excluded.image_url, site_name = excluded.site_name, fetched_at = now()
    returning url, final_url, title, description, image_url, site_name, fetched_at`;
  return present(row!);
}

// Failures of the other site, as the fetcher names them. The others (an invalid URL, a blocked
// private address, a host name that does not exist) are the link's fault and keep their own answer.
const UPSTREAM_FETCH_FAILURES = new Set(['fetch.timeout', 'fetch.failed', 'fetch.too_many_redirects']);

function asUpstreamFailure(error: unknown, host: string): unknown {
  if (!(error instanceof SpoolError) || !UPSTREAM_FETCH_FAILURES.has(error.code)) return error;
  return new SpoolError(
    'link_preview.upstream_failed',
    `${error.message} There is no preview for this link; try again later.`,
    'upstream_failed',
    { host, reason: error.code },
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface PreviewRow {
  url: string;
  final_url: string;
  title: string | null;
  description: string | null;
  image_url: string | null;
  site_name: string | null;
  fetched_at: Date;
}

function present(row: PreviewRow): LinkPreview {
  return {
    url: row.url,
    finalUrl: row.final_url,
    title: row.title,
    description: row.description,
    image: row.image_url,
    siteName: row.site_name,
    fetchedAt: row.fetched_at,
  };
}
