import { PREVIEW_LIMITS } from '../../domain/links/link-preview.ts';
import { decodeHtml, extractPageMetadata } from '../../domain/links/page-metadata.ts';
import type { SsrfGuard } from '../../security/ssrf-guard.ts';

/** What a Bluesky link card (an `app.bsky.embed.external`) shows. */
export interface LinkCard {
  uri: string;
  title: string;
  description: string;
  thumbnail?: { bytes: Buffer; mimeType: string };
}

/** Reads a page's card; undefined when there is no page to show (the link itself still works). */
export type LinkCardSource = (url: string) => Promise<LinkCard | undefined>;

/** Bluesky's limit for a card's thumbnail blob. */
export const MAX_THUMBNAIL_BYTES = 1_000_000;
const THUMBNAIL_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

/**
 * Cards from the page's Open Graph / Twitter / HTML metadata (the parser of the link previews),
 * fetched through the SSRF guard: a post's link is user-supplied. Best effort: a page that cannot
 * be read gives no card, a thumbnail that cannot be read or is over 1 MB gives a card without one.
 */
export function createLinkCardSource(guard: Pick<SsrfGuard, 'fetch'>): LinkCardSource {
  return async (url) => {
    let page: Awaited<ReturnType<SsrfGuard['fetch']>>;
    try {
      page = await guard.fetch(url, PREVIEW_LIMITS);
    } catch {
      return undefined;
    }
    if (page.status < 200 || page.status > 299) return undefined;
    const contentType = header(page.headers['content-type']);
    if (!/^\s*(text\/html|application\/xhtml\+xml)/i.test(contentType ?? '')) {
      return { uri: url, title: new URL(page.url).hostname, description: '' };
    }
    const meta = extractPageMetadata(decodeHtml(page.body, contentType), page.url);
    const card: LinkCard = {
      uri: url,
      title: (meta.title ?? new URL(page.url).hostname).slice(0, 300),
      description: (meta.description ?? '').slice(0, 1_000),
    };
    if (meta.image) {
      const thumbnail = await readThumbnail(guard, meta.image);
      if (thumbnail) card.thumbnail = thumbnail;
    }
    return card;
  };
}

async function readThumbnail(
  guard: Pick<SsrfGuard, 'fetch'>,
  imageUrl: string,
): Promise<LinkCard['thumbnail']> {
  try {
    const image = await guard.fetch(imageUrl, {
      maxBytes: MAX_THUMBNAIL_BYTES,
      timeoutMs: PREVIEW_LIMITS.timeoutMs,
      maxRedirects: PREVIEW_LIMITS.maxRedirects,
      accept: 'image/*',
    });
    const mimeType = header(image.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (image.status !== 200 || image.truncated || !mimeType || !THUMBNAIL_TYPES.has(mimeType))
      return undefined;
    return { bytes: image.body, mimeType };
  } catch {
    return undefined;
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
