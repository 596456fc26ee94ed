import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';

export interface NotificationView {
  id: string;
  organizationId: string;
  kind: string;
  title: string;
  body: string;
  postId: string | null;
  targetId: string | null;
  channelId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

const COLUMNS = `id, organization_id as "organizationId", kind, title, body, post_id as "postId",
  target_id as "targetId", channel_id as "channelId", created_at as "createdAt", read_at as "readAt"`;

/** A person's notifications, newest first, in the organizations they still belong to. */
export async function listNotifications(
  sql: Sql,
  userId: string,
  page: { limit: number; before?: Date | undefined; unreadOnly: boolean },
): Promise<{ notifications: NotificationView[]; unread: number }> {
  const notifications = await sql<NotificationView[]>`
    select ${sql.unsafe(COLUMNS)} from notifications n
    where user_id = ${userId}
      and exists (select 1 from memberships m where m.user_id = n.user_id and m.organization_id = n.organization_id)
      and (${page.before ?? null}::timestamptz is null or created_at < ${page.before ?? null})
      and (not ${page.unreadOnly} or read_at is null)
    order by created_at desc limit ${page.limit}`;
  const [count] = await sql<{ n: number }[]>`
    select count(*)::int as n from notifications where user_id = ${userId} and read_at is null`;
  return { notifications: [...notifications], unread: count?.n ?? 0 };
}

export async function markNotificationRead(sql: Sql, userId: string, id: string): Promise<void> {
  const rows = await sql`
    update notifications set read_at = coalesce(read_at, now()) where id = ${id} and user_id = ${userId} returning id`;
  if (rows.length === 0)
    throw new SpoolError('notification.not_found', 'There is no such notification.', 'not_found');
}

export async function markAllNotificationsRead(sql: Sql, userId: string): Promise<number> {
  const rows =
    await sql`update notifications set read_at = now() where user_id = ${userId} and read_at is null returning id`;
  return rows.length;
}
