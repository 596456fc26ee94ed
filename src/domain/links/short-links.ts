import { randomInt } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';

/**
 * Spool's own short links, `/s/{code}`: a public redirect that counts clicks per post and channel.
 * Codes are random (not sequential) so that they cannot be walked; clicks are counted per day and
 * nothing about the visitor is stored.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHORT_CODE_LENGTH = 8;
const CODE_PATTERN = /^[0-9A-Za-z]{7,32}$/;

export function newShortCode(length = SHORT_CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export interface ShortLinkView {
  id: string;
  code: string;
  url: string;
  postId: string | null;
  channelId: string | null;
  clicks: number;
  lastClickedAt: Date | null;
  createdAt: Date;
}

export interface ShortLinkTarget {
  organizationId: string;
  url: string;
  postId?: string | null;
  channelId?: string | null;
}

/** Only web addresses may be redirected to: never `javascript:`, `data:` or the like. */
export function assertRedirectable(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SpoolError('link.invalid_url', `"${url.slice(0, 200)}" is not a valid URL.`, 'invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SpoolError(
      'link.invalid_url',
      'Short links can only point to http:// or https:// addresses.',
      'invalid',
    );
  }
}

/** The short link for (post, channel, url), created on first use; the same triple gets the same code. */
export async function shortLinkFor(sql: Sql, target: ShortLinkTarget): Promise<ShortLinkView> {
  assertRedirectable(target.url);
  const postId = target.postId ?? null;
  const channelId = target.channelId ?? null;
  await assertOwned(sql, target.organizationId, postId, channelId);
  for (let attempt = 0; attempt < 5; attempt++) {
    // `do update` (a no-op) makes the existing row come back, so a race between two publishers
    // for the same link ends with both using one code.
    const rows = await sql<ShortLinkRow[]>`
      insert into short_links (organization_id, code, url, post_id, channel_id)
      values (${target.organizationId}, ${newShortCode()}, ${target.url}, ${postId}, ${channelId})
      on conflict on constraint short_links_target do update set url = excluded.url
      returning ${sql(COLUMNS)}`.catch((error: unknown) => {
      if (isCodeCollision(error)) return [];
      throw error;
    });
    if (rows[0]) return present(rows[0]);
  }
  throw new SpoolError(
    'link.code_exhausted',
    'Could not allocate a short link code; try again.',
    'unavailable',
  );
}

async function assertOwned(
  sql: Sql,
  organizationId: string,
  postId: string | null,
  channelId: string | null,
) {
  if (postId) {
    const [post] =
      await sql`select 1 from posts where id = ${postId} and organization_id = ${organizationId}`;
    if (!post)
      throw new SpoolError('post.not_found', 'There is no such post in this organization.', 'not_found');
  }
  if (channelId) {
    const [channel] = await sql`
      select 1 from channels where id = ${channelId} and organization_id = ${organizationId}`;
    if (!channel)
      throw new SpoolError(
        'channel.not_found',
        'There is no such channel in this organization.',
        'not_found',
      );
  }
}

function isCodeCollision(error: unknown): boolean {
  const e = error as { code?: string; constraint_name?: string };
  return e.code === '23505' && e.constraint_name === 'short_links_code_key';
}

/**
 * Where a short code leads; counts the click when `count` is set (not for HEAD requests, which
 * link unfurlers send). Unknown codes answer undefined.
 */
export async function followShortLink(sql: Sql, code: string, count: boolean): Promise<string | undefined> {
  if (!CODE_PATTERN.test(code)) return undefined;
  if (!count) {
    const [row] = await sql<{ url: string }[]>`select url from short_links where code = ${code}`;
    return row?.url;
  }
  const [row] = await sql<{ id: string; url: string }[]>`
    update short_links set click_count = click_count + 1, last_clicked_at = now()
    where code = ${code}
    returning id, url`;
  if (!row) return undefined;
  await sql`
    insert into short_link_clicks (short_link_id, day, clicks) values (${row.id}, current_date, 1)
    on conflict (short_link_id, day) do update set clicks = short_link_clicks.clicks + 1`;
  return row.url;
}

export async function listShortLinks(
  sql: Sql,
  organizationId: string,
  filter: {
    postId?: string | undefined;
    channelId?: string | undefined;
    limit: number;
    after?: string | undefined;
  },
): Promise<ShortLinkView[]> {
  const rows = await sql<ShortLinkRow[]>`
    select ${sql(COLUMNS)} from short_links
    where organization_id = ${organizationId}
      ${filter.postId ? sql`and post_id = ${filter.postId}` : sql``}
      ${filter.channelId ? sql`and channel_id = ${filter.channelId}` : sql``}
      ${filter.after ? sql`and id > ${filter.after}` : sql``}
    order by id
    limit ${filter.limit}`;
  return rows.map(present);
}

/** Clicks per day for one link, oldest first. */
export async function shortLinkDailyClicks(
  sql: Sql,
  organizationId: string,
  linkId: string,
): Promise<{ day: string; clicks: number }[]> {
  const [link] =
    await sql`select 1 from short_links where id = ${linkId} and organization_id = ${organizationId}`;
  if (!link) throw new SpoolError('link.not_found', 'There is no such short link.', 'not_found');
  const rows = await sql<{ day: string; clicks: string }[]>`
    select to_char(day, 'YYYY-MM-DD') as day, clicks from short_link_clicks
    where short_link_id = ${linkId} order by day`;
  return rows.map((r) => ({ day: r.day, clicks: Number(r.clicks) }));
}

const COLUMNS = [
  'id',
  'code',
  'url',
  'post_id',
  'channel_id',
  'click_count',
  'last_clicked_at',
  'created_at',
];

interface ShortLinkRow {
  id: string;
  code: string;
  url: string;
  post_id: string | null;
  channel_id: string | null;
  click_count: string;
  last_clicked_at: Date | null;
  created_at: Date;
}

function present(row: ShortLinkRow): ShortLinkView {
  return {
    id: row.id,
    code: row.code,
    url: row.url,
    postId: row.post_id,
    channelId: row.channel_id,
    clicks: Number(row.click_count),
    lastClickedAt: row.last_clicked_at,
    createdAt: row.created_at,
  };
}
