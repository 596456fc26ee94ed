import type { Sql } from '../../db/connection.ts';
import { getLinkSettings } from './link-settings.ts';
import { shortLinkFor } from './short-links.ts';
import { appendUtm, utmForChannel } from './utm.ts';

/**
 * Rewrites the links in a target's text just before it is published: UTM parameters first (so the
 * short link leads to the tagged address), then Spool's own short link. Text around the links is
 * left exactly as written.
 */

export interface FoundLink {
  url: string;
  start: number;
  end: number;
}

// Up to whitespace, angle brackets, quotes and CJK punctuation that never belong to a URL.
const URL_CANDIDATE = /https?:\/\/[^\s<>"'`\u3000-\u303f\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f]+/gi;
const TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', '*', '_', '~']);
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The http(s) links in a text, with sentence punctuation and unbalanced closing brackets left out. */
export function findLinks(text: string): FoundLink[] {
  const links: FoundLink[] = [];
  for (const match of text.matchAll(URL_CANDIDATE)) {
    let url = match[0];
    for (;;) {
      const last = url.at(-1)!;
      const opener = CLOSERS[last];
      if (TRAILING_PUNCTUATION.has(last)) url = url.slice(0, -1);
      else if (opener && count(url, opener) < count(url, last)) url = url.slice(0, -1);
      else break;
    }
    if (!isWebUrl(url)) continue;
    links.push({ url, start: match.index, end: match.index + url.length });
  }
  return links;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

function isWebUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

export interface PrepareLinksOptions {
  shorten: boolean;
  /** The campaign to tag links with, or false for no UTM parameters. */
  utm: { campaign: string } | false;
  channel: { id: string; network: string };
  post: { id: string; organizationId: string };
  /** Spool's public address, e.g. https://spool.example.com; short links are `${base}/s/{code}`. */
  shortLinkBaseUrl: string;
}

export interface PreparedLink {
  original: string;
  rewritten: string;
}

export async function prepareLinks(
  sql: Sql,
  text: string,
  options: PrepareLinksOptions,
): Promise<{ text: string; links: PreparedLink[] }> {
  const ownPrefix = `${options.shortLinkBaseUrl.replace(/\/+$/, '')}/s/`;
  const links = findLinks(text).filter((link) => !link.url.startsWith(ownPrefix));
  if (links.length === 0 || (!options.shorten && !options.utm)) return { text, links: [] };

  const prepared: PreparedLink[] = [];
  let result = '';
  let cursor = 0;
  for (const link of links) {
    let rewritten = link.url;
    if (options.utm)
      rewritten = appendUtm(rewritten, utmForChannel(options.channel.network, options.utm.campaign));
    if (options.shorten) {
      const short = await shortLinkFor(sql, {
        organizationId: options.post.organizationId,
        postId: options.post.id,
        channelId: options.channel.id,
        url: rewritten,
      });
      rewritten = `${ownPrefix}${short.code}`;
    }
    result += text.slice(cursor, link.start) + rewritten;
    cursor = link.end;
    prepared.push({ original: link.url, rewritten });
  }
  return { text: result + text.slice(cursor), links: prepared };
}

/** `prepareLinks` with the channel's own link settings, as the publisher calls it. */
export async function prepareLinksForChannel(
  sql: Sql,
  text: string,
  target: { channel: { id: string; network: string }; post: { id: string; organizationId: string } },
  shortLinkBaseUrl: string,
): Promise<{ text: string; links: PreparedLink[] }> {
  const settings = await getLinkSettings(sql, target.post.organizationId, target.channel.id);
  return prepareLinks(sql, text, {
    shorten: settings.shortenLinks,
    utm: settings.utmEnabled ? { campaign: settings.utmCampaign } : false,
    channel: target.channel,
    post: target.post,
    shortLinkBaseUrl,
  });
}
