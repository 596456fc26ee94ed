import type { Sql } from '../../db/connection.ts';
import { lockChannel } from '../queue/lock-channels.ts';
import { notifyDueChanged } from '../queue/retime-queue.ts';

/**
 * Removes a channel with its queue and history. Posts also meant for other channels stay there;
 * posts that were only for this channel go with it, since they could never be seen again.
 */
export async function deleteChannel(
  sql: Sql,
  input: { organizationId: string; channelId: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const posts = await tx<{ post_id: string }[]>`
      select distinct post_id from post_targets where channel_id = ${channel.id}`;
    await tx`delete from channels where id = ${channel.id}`;
    if (posts.length > 0) {
      await tx`
        delete from posts
        where id = any(${posts.map((p) => p.post_id)}::uuid[])
          and not exists (select 1 from post_targets t where t.post_id = posts.id)`;
    }
    await notifyDueChanged(tx, channel.id);
  });
}
