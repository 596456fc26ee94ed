import type { Sql } from '../db/connection.ts';
import { NETWORK_IDS, type NetworkId, rulesFor } from '../domain/text/network-rules.ts';
import type { Logger } from '../logger.ts';
import type { ClaimedTarget } from './claim.ts';
import type { PublishEvents } from './run-attempt.ts';
import type { Settlement } from './settle.ts';

export type PublishEventName = 'post.published' | 'post.failed' | 'post.unconfirmed' | 'channel.disconnected';

export interface PublishEvent {
  name: PublishEventName;
  organizationId: string;
  authorUserId: string | null;
  postId: string;
  targetId: string;
  channelId: string;
  network: string;
  handle: string;
  networkPostId?: string | null;
  networkPostUrl?: string | null;
  reason?: string | null;
}

/** Where events go: in-app notifications and emails, outgoing webhooks. */
export interface PublishEventSink {
  handle(events: PublishEvent[]): Promise<void>;
}

export function eventFor(target: ClaimedTarget, s: Settlement): PublishEvent | undefined {
  const base = {
    organizationId: target.organizationId,
    authorUserId: target.authorUserId,
    postId: target.postId,
    targetId: target.id,
    channelId: target.channelId,
    network: target.network,
    handle: target.handle,
  };
  if (s.disconnectChannel) return { ...base, name: 'channel.disconnected', reason: s.disconnectChannel };
  switch (s.status) {
    case 'published':
      return {
        ...base,
        name: 'post.published',
        networkPostId: s.networkPostId,
        networkPostUrl: s.networkPostUrl,
      };
    case 'failed':
      return { ...base, name: 'post.failed', reason: s.error };
    case 'unconfirmed':
      return { ...base, name: 'post.unconfirmed', reason: s.error };
    default:
      return undefined;
  }
}

/**
 * Collects settled attempts' events and hands them to the sinks in batches, off the publishing
 * path: a slow mail server or webhook never slows publishing down.
 */
export class BufferedPublishEvents implements PublishEvents {
  private buffer: PublishEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sinks: PublishEventSink[],
    private readonly log: Logger,
    private readonly flushMs = 200,
  ) {}

  settled(target: ClaimedTarget, settlement: Settlement): void {
    const event = eventFor(target, settlement);
    if (!event) return;
    this.buffer.push(event);
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.buffer.splice(0);
    if (events.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      for (const sink of this.sinks) {
        await sink
          .handle(events)
          .catch((error) => this.log.error({ err: error }, 'publish event sink failed'));
      }
    });
    return this.flushing;
  }
}

/**
 * In-app notifications for the problems a person must act on, addressed to the post's author, and
 * handed on (e.g. to be emailed) through `onCreated`.
 */
export class NotificationSink implements PublishEventSink {
  constructor(
    private readonly sql: Sql,
    private readonly onCreated: (notificationIds: string[]) => Promise<void> = async () => undefined,
  ) {}

  async handle(events: PublishEvent[]): Promise<void> {
    const problems = events.filter((e) => e.name !== 'post.published');
    if (problems.length === 0) return;
    const rows = problems.map((e) => ({ ...notificationText(e), event: e }));
    const created = await this.sql<{ id: string }[]>`
      insert into notifications (organization_id, user_id, kind, title, body, post_id, target_id, channel_id)
      select v.organization_id, coalesce(v.user_id, owner.user_id), v.kind, v.title, v.body, v.post_id, v.target_id, v.channel_id
      from unnest(${rows.map((r) => r.event.organizationId)}::uuid[], ${rows.map((r) => r.event.authorUserId)}::uuid[],
                  ${rows.map((r) => r.event.name)}::text[], ${rows.map((r) => r.title)}::text[],
                  ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.event.postId)}::uuid[],
                  ${rows.map((r) => r.event.targetId)}::uuid[], ${rows.map((r) => r.event.channelId)}::uuid[])
        as v(organization_id, user_id, kind, title, body, post_id, target_id, channel_id)
      -- a post without a living author notifies the organization's first owner
      left join lateral (select m.user_id from memberships m where m.organization_id = v.organization_id
                         and m.role = 'owner' order by m.created_at limit 1) owner on v.user_id is null
      where coalesce(v.user_id, owner.user_id) is not null
        and exists (select 1 from posts p where p.id = v.post_id)
      returning id`;
    await this.onCreated(created.map((r) => r.id));
  }
}

/** A network's reason ends its own sentence before ours begins. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

export function notificationText(e: PublishEvent): { title: string; body: string } {
  const where = `${networkName(e.network)} (${e.handle})`;
  switch (e.name) {
    case 'post.failed':
      return {
        title: `A post to ${where} failed`,
        body: `${sentence(e.reason ?? 'The network refused it.')} Edit the post and requeue it, or delete it.`,
      };
    case 'post.unconfirmed':
      return {
        title: `Check whether a post went out on ${where}`,
        body: e.reason ?? 'Spool could not confirm whether the network published this post.',
      };
    case 'channel.disconnected':
      return {
        title: `Reconnect ${where}`,
        body: `${sentence(e.reason ?? 'Spool lost access to this account.')} Its queued posts wait until you reconnect it.`,
      };
    case 'post.published':
      return { title: `Published on ${where}`, body: e.networkPostUrl ?? '' };
  }
}

function networkName(id: string): string {
  return (NETWORK_IDS as readonly string[]).includes(id) ? rulesFor(id as NetworkId).displayName : id;
}
