import type { EngagementKind, EngagementUndo } from '../../engagement/record-engagement.ts';
import { type CborMap, type CborValue, Cid } from './dag-cbor.ts';
import type { CommitEvent } from './firehose.ts';

/** The Bluesky channels on one PDS: what its event stream may count engagement for. */
export interface ServiceChannels {
  channelIds: string[];
  /** Their accounts' DIDs: a subject outside these is none of Spool's business. */
  dids: Set<string>;
}

/** Engagement found in commits, about a post (its AT URI), before it is matched to a target. */
export interface Interaction {
  subject: string;
  kind: Extract<EngagementKind, 'like' | 'repost' | 'reply' | 'quote'>;
  networkEventId: string;
  occurredAt: Date;
  actorId: string;
}

/**
 * Reads likes, reposts, replies and quotes of the channels' posts out of commits, and the deletions
 * that undo them. A like is its own record (`app.bsky.feed.like` with the post as subject), so its
 * AT URI is the event's id; a post that both replies to and quotes a post counts as both, the quote
 * under `<uri>#quote`. An account's engagement with its own posts (a thread's parts are replies to
 * its first post) is not counted.
 */
export function toEngagement(
  commits: CommitEvent[],
  channels: ServiceChannels,
): { events: Interaction[]; undos: EngagementUndo[]; subjects: string[] } {
  const events: Interaction[] = [];
  const undos: EngagementUndo[] = [];
  for (const commit of commits) {
    const occurredAt = validDate(commit.time);
    for (const op of commit.ops) {
      if (op.action === 'delete') {
        undos.push({ networkEventId: op.uri, occurredAt });
        if (op.collection === 'app.bsky.feed.post')
          undos.push({ networkEventId: `${op.uri}#quote`, occurredAt });
        continue;
      }
      if (op.action !== 'create' || !op.record) continue;
      const found: [Interaction['kind'], string | undefined, string][] =
        op.collection === 'app.bsky.feed.post'
          ? [
              ['reply', uriAt(op.record, 'reply', 'parent'), op.uri],
              ['quote', quotedUri(op.record), `${op.uri}#quote`],
            ]
          : op.collection === 'app.bsky.feed.like'
            ? [['like', uriAt(op.record, 'subject'), op.uri]]
            : op.collection === 'app.bsky.feed.repost'
              ? [['repost', uriAt(op.record, 'subject'), op.uri]]
              : [];
      for (const [kind, subject, networkEventId] of found) {
        const author = subject ? didOf(subject) : undefined;
        if (!subject || !author || !channels.dids.has(author) || author === commit.repo) continue;
        events.push({ subject, kind, networkEventId, occurredAt, actorId: commit.repo });
      }
    }
  }
  return { events, undos, subjects: [...new Set(events.map((e) => e.subject))] };
}

function quotedUri(record: CborMap): string | undefined {
  const embed = field(record, 'embed');
  const type = embed ? field(embed, '$type') : undefined;
  if (type === 'app.bsky.embed.record') return uriAt(record, 'embed', 'record');
  if (type === 'app.bsky.embed.recordWithMedia') return uriAt(record, 'embed', 'record', 'record');
  return undefined;
}

/** The `uri` of the strong ref at a path of nested maps. */
function uriAt(record: CborMap, ...path: string[]): string | undefined {
  let node: CborValue | undefined = record;
  for (const key of path) node = isMap(node) ? node[key] : undefined;
  const uri = isMap(node) ? node.uri : undefined;
  return typeof uri === 'string' && uri.startsWith('at://') ? uri : undefined;
}

function field(value: CborValue, key: string): CborValue | undefined {
  return isMap(value) ? value[key] : undefined;
}

function isMap(value: CborValue | undefined): value is CborMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Cid)
  );
}

function didOf(uri: string): string | undefined {
  return /^at:\/\/(did:[^/]+)\//.exec(uri)?.[1];
}

function validDate(text: string): Date {
  const at = Date.parse(text);
  return Number.isFinite(at) ? new Date(at) : new Date();
}
