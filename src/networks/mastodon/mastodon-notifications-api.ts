import { type Dispatcher, request } from 'undici';
import { isFailure, sendRequest } from '../http-client.ts';
import { bearer, errorText, hostOf } from './mastodon-api.ts';

/**
 * Reading an account's notifications: the streaming API (server-sent events from
 * GET /api/v1/streaming/user/notification) and, for servers without streaming (snac2) or between
 * streams, GET /api/v1/notifications paged forward with `min_id`.
 */

export interface MastodonNotification {
  id: string;
  type: string;
  created_at: string;
  account?: { id: string; acct?: string } | null;
  status?: { id: string; in_reply_to_id?: string | null } | null;
}

export class NotificationsUnavailable extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

const PAGE = 40;
const TYPES = ['favourite', 'reblog', 'mention', 'follow'];

/** One page of notifications newer than `minId` (the newest page when there is no cursor yet). */
export async function fetchNotificationsPage(
  base: string,
  accessToken: string,
  minId: string | undefined,
  options: { dispatcher: Dispatcher; timeoutMs: number; signal?: AbortSignal },
): Promise<MastodonNotification[]> {
  const url = new URL(`${base}/api/v1/notifications`);
  url.searchParams.set('limit', String(PAGE));
  for (const type of TYPES) url.searchParams.append('types[]', type);
  if (minId) url.searchParams.set('min_id', minId);
  const res = await sendRequest(
    {
      method: 'GET',
      url: url.toString(),
      headers: bearer(accessToken),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    },
    options.dispatcher,
  );
  if (isFailure(res))
    throw new NotificationsUnavailable(`could not reach ${hostOf(base)}: ${res.reason}`, null);
  if (res.status !== 200 || !Array.isArray(res.body)) {
    throw new NotificationsUnavailable(
      `${hostOf(base)} answered ${res.status}: ${errorText(res)}`,
      res.status,
    );
  }
  return (res.body as unknown[]).filter(isNotification);
}

export const NOTIFICATIONS_PAGE_SIZE = PAGE;

export type StreamEnd =
  /** The server has no streaming API (404, not an event stream). */
  | 'unsupported'
  | 'unauthorized'
  /** The stream was open and ended (network, restart, idle timeout, stop). */
  | 'ended';

/**
 * Follows the user's notification stream until it ends. `onOpen` runs once the server accepted
 * the stream (a catch-up poll belongs there, so nothing falls between the poll and the stream).
 */
export async function streamNotifications(
  base: string,
  accessToken: string,
  handlers: { onOpen(): Promise<void>; onNotification(n: MastodonNotification): Promise<void> },
  options: { dispatcher: Dispatcher; idleTimeoutMs: number; signal: AbortSignal },
): Promise<StreamEnd> {
  let url = `${base}/api/v1/streaming/user/notification`;
  // Mastodon's web host may redirect to a separate streaming host; follow one hop.
  for (let hop = 0; hop < 2; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { ...bearer(accessToken), accept: 'text/event-stream' },
        dispatcher: options.dispatcher,
        headersTimeout: options.idleTimeoutMs,
        bodyTimeout: options.idleTimeoutMs,
        signal: options.signal,
      });
    } catch {
      return 'ended';
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      const next = new URL(location.replace(/^wss:/, 'https:').replace(/^ws:/, 'http:'), url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') return 'unsupported';
      url = next.toString();
      continue;
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      return 'unauthorized';
    }
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode !== 200 || !type.includes('text/event-stream')) {
      await res.body.dump().catch(() => undefined);
      return 'unsupported';
    }
    try {
      await handlers.onOpen();
      await readEvents(res.body, async (event, data) => {
        if (event !== 'notification') return;
        const parsed = parseJson(data);
        if (isNotification(parsed)) await handlers.onNotification(parsed);
      });
    } catch {
      // A broken connection or an idle timeout: the caller reconnects and catches up.
    } finally {
      res.body.destroy();
    }
    return 'ended';
  }
  return 'unsupported';
}

/** Server-sent events: `event:` and `data:` lines, an empty line ends an event; `:` lines are heartbeats. */
async function readEvents(
  body: AsyncIterable<Buffer>,
  dispatch: (event: string, data: string) => Promise<void>,
) {
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) await dispatch(event, data.join('\n'));
        event = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      newline = buffer.indexOf('\n');
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isNotification(value: unknown): value is MastodonNotification {
  const n = value as MastodonNotification | null;
  return (
    typeof n === 'object' &&
    n !== null &&
    (typeof n.id === 'string' || typeof n.id === 'number') &&
    typeof n.type === 'string'
  );
}

/** Mastodon ids are decimal strings of growing length; compare them as numbers without parsing. */
export function compareNotificationIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
