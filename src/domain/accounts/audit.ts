import type { Sql } from '../../db/connection.ts';

/** Security events recorded for owners to read; never holds a secret. */
export type AuditAction =
  | 'user.signed_up'
  | 'user.signed_in'
  | 'user.sign_in_failed'
  | 'user.signed_out'
  | 'user.password_changed'
  | 'user.profile_changed'
  | 'user.password_reset_requested'
  | 'user.password_reset'
  | 'user.deleted'
  | 'token.created'
  | 'token.revoked'
  | 'oauth.client_created'
  | 'oauth.authorized'
  | 'oauth.client_revoked'
  | 'oauth.access_revoked'
  | 'member.invited'
  | 'member.joined'
  | 'member.role_changed'
  | 'member.removed'
  | 'secrets.rotated';

export interface RequestOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface AuditEvent {
  action: AuditAction;
  organizationId?: string | null;
  actorUserId?: string | null;
  subjectUserId?: string | null;
  details?: Record<string, string | number | boolean | null>;
  origin?: RequestOrigin;
}

export async function recordAudit(sql: Sql, event: AuditEvent): Promise<void> {
  await sql`
    insert into audit_events (organization_id, actor_user_id, subject_user_id, action, details, ip, user_agent)
    values (${event.organizationId ?? null}, ${event.actorUserId ?? null}, ${event.subjectUserId ?? null},
            ${event.action}, ${sql.json(event.details ?? {})}, ${event.origin?.ip ?? null},
            ${event.origin?.userAgent?.slice(0, 300) ?? null})`;
}

/** A user's security events are recorded once per organization they belong to, so each owner sees them. */
export async function recordUserAudit(sql: Sql, userId: string, event: Omit<AuditEvent, 'organizationId'>) {
  const orgs = await sql<{ organization_id: string }[]>`
    select organization_id from memberships where user_id = ${userId}`;
  if (orgs.length === 0) return recordAudit(sql, { ...event, organizationId: null });
  for (const { organization_id } of orgs)
    await recordAudit(sql, { ...event, organizationId: organization_id });
}
