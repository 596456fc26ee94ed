import type { Sql } from '../db/connection.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { publishingProblemEmail } from '../mail/templates.ts';
import type { Mailer } from '../ports/mailer.ts';

export const NOTIFICATION_EMAIL_JOB = 'notification.email';

/** Emails a notification to its person once (emailed_at guards against a retried job sending twice). */
export async function emailNotification(
  deps: { sql: Sql; mailer: Mailer; baseUrl: string; log: Logger },
  notificationId: string,
): Promise<void> {
  const [row] = await deps.sql<{ email: string; title: string; body: string; target_id: string | null }[]>`
    update notifications n set emailed_at = now()
    from users u
    where n.id = ${notificationId} and u.id = n.user_id and n.emailed_at is null
    returning u.email, n.title, n.body, n.target_id`;
  if (!row) return;
  const link = `${deps.baseUrl}/notifications${row.target_id ? `?target=${row.target_id}` : ''}`;
  try {
    await deps.mailer.send({
      to: row.email,
      ...publishingProblemEmail({ title: row.title, body: row.body, link }),
    });
  } catch (error) {
    // Let the job retry: forget that we sent it.
    await deps.sql`update notifications set emailed_at = null where id = ${notificationId}`;
    throw error;
  }
}

export async function queueNotificationEmails(jobs: JobQueue, ids: string[]): Promise<void> {
  for (const id of ids) {
    await jobs.send(
      NOTIFICATION_EMAIL_JOB,
      { notificationId: id },
      { retryLimit: 8, retryDelaySeconds: 30, retryBackoff: true },
    );
  }
}
