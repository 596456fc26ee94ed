import type { Sql } from '../db/connection.ts';
import { recordDeliveries } from '../domain/webhooks/webhooks.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { PublishEvent, PublishEventSink } from '../publisher/publish-events.ts';
import { queueDeliveries } from './deliver-webhook.ts';

/** Turns publishing events into webhook deliveries for the organizations that subscribed to them. */
export class WebhookSink implements PublishEventSink {
  constructor(
    private readonly sql: Sql,
    private readonly jobs: JobQueue,
  ) {}

  async handle(events: PublishEvent[]): Promise<void> {
    const ids = await recordDeliveries(
      this.sql,
      events.map((e) => ({ organizationId: e.organizationId, name: e.name, payload: payloadOf(e) })),
    );
    await queueDeliveries(this.jobs, ids);
  }
}

function payloadOf(e: PublishEvent): Record<string, unknown> {
  return {
    postId: e.postId,
    targetId: e.targetId,
    channel: { id: e.channelId, network: e.network, handle: e.handle },
    ...(e.networkPostId ? { networkPostId: e.networkPostId } : {}),
    ...(e.networkPostUrl ? { url: e.networkPostUrl } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
  };
}
