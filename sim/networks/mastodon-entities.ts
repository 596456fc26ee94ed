import type { SimAccount } from '../credentials.ts';
import type { SimMedia, SimPost } from '../state.ts';
import { escapeHtml } from './network.ts';

/** Mastodon's JSON entities (Account, Status, MediaAttachment), trimmed to what clients read. */

let isoSecond = Number.NaN;
let isoPrefix = '';

/** ISO 8601 with milliseconds; the date part is formatted once per second (toISOString is slow). */
export function iso(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

type AccountEntity = ReturnType<typeof buildAccountEntity>;
const accountCache = new WeakMap<SimAccount, { base: string; entity: AccountEntity }>();

/** The account as embedded in statuses: built once per account (its fields do not change). */
function embeddedAccount(account: SimAccount, base: string): AccountEntity {
  const cached = accountCache.get(account);
  if (cached !== undefined && cached.base === base) return cached.entity;
  const entity = buildAccountEntity(account, base, 0);
  accountCache.set(account, { base, entity });
  return entity;
}

export function accountEntity(account: SimAccount, base: string, statusesCount = 0): AccountEntity {
  return buildAccountEntity(account, base, statusesCount);
}

function buildAccountEntity(account: SimAccount, base: string, statusesCount: number) {
  return {
    id: account.id,
    username: account.username,
    acct: account.username,
    display_name: account.displayName,
    locked: false,
    bot: false,
    discoverable: true,
    group: false,
    created_at: iso(account.createdAt),
    note: '',
    url: `${base}/@${account.username}`,
    avatar: `${base}/avatars/original/missing.png`,
    avatar_static: `${base}/avatars/original/missing.png`,
    header: `${base}/headers/original/missing.png`,
    header_static: `${base}/headers/original/missing.png`,
    followers_count: 0,
    following_count: 0,
    statuses_count: statusesCount,
    last_status_at: null,
    emojis: [],
    fields: [],
  };
}

function mediaType(mimeType: string | null): string {
  if (mimeType === null) return 'unknown';
  if (mimeType === 'image/gif') return 'gifv';
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('audio/')) return 'audio';
  return 'unknown';
}

export function mediaEntity(media: SimMedia, base: string, now: number) {
  const ready = now >= media.readyAt;
  return {
    id: media.id,
    type: mediaType(media.mimeType),
    url: ready ? `${base}/system/media_attachments/files/${media.id}/original/file` : null,
    preview_url: `${base}/system/media_attachments/files/${media.id}/small/file`,
    remote_url: null,
    preview_remote_url: null,
    text_url: null,
    meta: {},
    description: media.description,
    blurhash: null,
  };
}

export function statusEntity(
  post: SimPost,
  account: SimAccount,
  base: string,
  media: SimMedia[],
  options: { withSource: boolean; inReplyToAccountId: string | null },
) {
  const html = post.text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br />')}</p>`)
    .join('');
  const url = `${base}/@${account.username}/${post.id}`;
  return {
    id: post.id,
    created_at: iso(post.createdAt),
    in_reply_to_id: post.inReplyToId,
    in_reply_to_account_id: options.inReplyToAccountId,
    sensitive: false,
    spoiler_text: '',
    visibility: post.visibility ?? 'public',
    language: 'en',
    uri: `${base}/users/${account.username}/statuses/${post.id}`,
    url,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    edited_at: null,
    content: html,
    text: options.withSource ? post.text : undefined, // left out of the JSON when undefined
    reblog: null,
    application: { name: 'Spool', website: null },
    account: embeddedAccount(account, base),
    media_attachments: media.map((m) => mediaEntity(m, base, Number.POSITIVE_INFINITY)),
    mentions: [],
    tags: [],
    emojis: [],
    card: null,
    poll: null,
  };
}
