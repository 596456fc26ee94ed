/**
 * Reads what a link preview shows (title, description, image, site name) from a page's HTML:
 * Open Graph first, then Twitter cards, then the plain `<title>` and `<meta name="description">`.
 * A small tag scanner rather than a DOM: it only needs `<meta>`, `<link>` and `<title>`, skips
 * comments, scripts and styles, and never runs anything.
 */
export interface PageMetadata {
  title: string | null;
  description: string | null;
  image: string | null;
  siteName: string | null;
}

const TOKENS =
  /<!--[\s\S]*?(?:-->|$)|<(script|style|noscript|template|textarea)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<title\b[^>]*>([\s\S]*?)<\/title\s*>|<(meta|link)\b((?:[^>"']|"[^"]*"|'[^']*')*)\/?>/gi;
const ATTRIBUTE = /([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  copy: '©',
  reg: '®',
  trade: '™',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X'
          ? Number.parseInt(entity.slice(2), 16)
          : Number(entity.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1]!.toLowerCase();
    if (!attributes.has(name)) attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

const clean = (value: string | undefined, max: number): string | null => {
  const text = value?.replace(/\s+/g, ' ').trim();
  if (!text) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** An absolute http(s) URL for a (possibly relative) image reference; null for anything else. */
function resolveImage(value: string | undefined, pageUrl: string): string | null {
  if (!value?.trim()) return null;
  try {
    const url = new URL(value.trim(), pageUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function extractPageMetadata(html: string, pageUrl: string): PageMetadata {
  const meta = new Map<string, string>();
  let documentTitle: string | undefined;
  let imageSrcLink: string | undefined;
  for (const match of html.matchAll(TOKENS)) {
    if (match[2] !== undefined) {
      documentTitle ??= decodeEntities(match[2]);
      continue;
    }
    const tag = match[3]?.toLowerCase();
    if (!tag) continue;
    const attributes = parseAttributes(match[4] ?? '');
    if (tag === 'link') {
      if (attributes.get('rel')?.toLowerCase().split(/\s+/).includes('image_src'))
        imageSrcLink ??= attributes.get('href');
      continue;
    }
    // Open Graph uses `property`, Twitter cards and plain HTML use `name`; pages mix them up.
    const key = (
      attributes.get('property') ??
      attributes.get('name') ??
      attributes.get('itemprop')
    )?.toLowerCase();
    const content = attributes.get('content');
    if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
  }
  const first = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => v?.trim());
  return {
    title: clean(first('og:title', 'twitter:title') ?? documentTitle, 300),
    description: clean(first('og:description', 'twitter:description', 'description'), 1000),
    image: resolveImage(
      first(
        'og:image:secure_url',
        'og:image',
        'og:image:url',
        'twitter:image',
        'twitter:image:src',
        'image',
      ) ?? imageSrcLink,
      pageUrl,
    ),
    siteName: clean(first('og:site_name', 'application-name'), 200),
  };
}

/** The character set of an HTML document: the Content-Type header, else a `<meta charset>` near the top. */
export function htmlCharset(contentType: string | undefined, head: Buffer): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  if (fromHeader) return fromHeader;
  const start = head.subarray(0, 2048).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(start)?.[1] ?? 'utf-8';
}

export function decodeHtml(body: Buffer, contentType: string | undefined): string {
  try {
    return new TextDecoder(htmlCharset(contentType, body)).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
