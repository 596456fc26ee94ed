import type { Sql } from '../../db/connection.ts';
import {
  type ChannelRow,
  type ChannelView,
  channelColumns,
  presentChannel,
} from '../channels/channel-view.ts';
import { lockChannel } from './lock-channels.ts';
import { notifyDueChanged, retimeQueue } from './retime-queue.ts';

/** Pauses a channel's queue: the publisher skips the channel until it is resumed. */
export async function pauseQueue(
  sql: Sql,
  now: () => Date,
  input: { organizationId: string; channelId: string },
): Promise<ChannelView> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const [row] = await tx<ChannelRow[]>`
      update channels
      set paused = true, paused_at = coalesce(paused_at, ${now()}), updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    if (!channel.paused) await notifyDueChanged(tx, channel.id);
    return presentChannel(row!);
  });
}

/**
 * Resumes a paused queue. What fell due while it was paused is not published late in a burst:
 * those posts (queued or custom-scheduled) go to the head of the queue, in their order, and with
 * the rest take the next free slots from now.
 */
export async function resumeQueue(
  sql: Sql,
  now: () => Date,
  input: { organizationId: string; channelId: string },
): Promise<ChannelView> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const at = now();
    const [row] = await tx<ChannelRow[]>`
      update channels set paused = false, paused_at = null, updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    if (channel.paused) {
      // Overdue custom times join the queue where their time puts them: ahead of later queued posts.
      await tx`
        update post_targets set status = 'queued', updated_at = now()
        where channel_id = ${channel.id} and status = 'scheduled' and due_at <= ${at}`;
      await retimeQueue(tx, { ...channel, paused: false }, at, { includeDue: true, dueTargetsChanged: true });
    }
    return presentChannel(row!);
  });
}
