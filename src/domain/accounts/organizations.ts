import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import type { Role } from './roles.ts';

export interface OrganizationView {
  id: string;
  name: string;
  /** The caller's role in it. */
  role: Role;
  memberCount: number;
  createdAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  role: Role;
  member_count: number;
  created_at: Date;
}

const present = (row: OrganizationRow): OrganizationView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  memberCount: row.member_count,
  createdAt: row.created_at,
});

const notFound = () =>
  new SpoolError(
    'organization.not_found',
    'There is no such organization, or you are not a member of it.',
    'not_found',
  );

/** The organizations a user belongs to, with their role in each. */
export async function listUserOrganizations(sql: Sql, userId: string): Promise<OrganizationView[]> {
  const rows = await sql<OrganizationRow[]>`
    select o.id, o.name, m.role, o.created_at,
           (select count(*)::int from memberships x where x.organization_id = o.id) as member_count
    from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${userId}
    order by m.created_at, o.name`;
  return rows.map(present);
}

export async function getOrganization(sql: Sql, organizationId: string, userId: string) {
  const [row] = await sql<OrganizationRow[]>`
    select o.id, o.name, m.role, o.created_at,
           (select count(*)::int from memberships x where x.organization_id = o.id) as member_count
    from organizations o join memberships m on m.organization_id = o.id and m.user_id = ${userId}
    where o.id = ${organizationId}`;
  if (!row) throw notFound();
  return present(row);
}

/** Creates an organization with its creator as the owner. */
export async function createOrganization(sql: Sql, userId: string, name: string): Promise<OrganizationView> {
  const organizationId = await sql.begin(async (tx) => {
    const [org] = await tx<{ id: string }[]>`insert into organizations (name) values (${name}) returning id`;
    await tx`insert into memberships (organization_id, user_id, role) values (${org!.id}, ${userId}, 'owner')`;
    return org!.id;
  });
  return getOrganization(sql, organizationId, userId);
}

export async function renameOrganization(sql: Sql, organizationId: string, userId: string, name: string) {
  const updated = await sql`update organizations set name = ${name} where id = ${organizationId}`;
  if (updated.count === 0) throw notFound();
  return getOrganization(sql, organizationId, userId);
}

/**
 * Deletes an organization and everything in it. The caller types its name to confirm, so a slip of
 * the hand (or a script pointed at the wrong id) deletes nothing.
 */
export async function deleteOrganization(sql: Sql, organizationId: string, confirmName: string) {
  await sql.begin(async (tx) => {
    const [org] = await tx<{ name: string }[]>`
      select name from organizations where id = ${organizationId} for update`;
    if (!org) throw notFound();
    if (org.name.trim() !== confirmName.trim()) {
      throw new SpoolError(
        'organization.confirmation_mismatch',
        `To delete this organization, type its name exactly: "${org.name}".`,
        'invalid',
        { field: 'confirmName' },
      );
    }
    await tx`delete from organizations where id = ${organizationId}`;
  });
}

export interface AuditEventView {
  id: string;
  action: string;
  actor: { id: string; email: string | null } | null;
  subject: { id: string; email: string | null } | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
}

/**
 * An organization's security log, newest first. The cursor is the id of the last event of the
 * previous page, so new events arriving meanwhile never shift a page.
 */
export async function listOrganizationAuditEvents(
  sql: Sql,
  organizationId: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const rows = await sql<
    {
      id: string;
      action: string;
      actor_user_id: string | null;
      actor_email: string | null;
      subject_user_id: string | null;
      subject_email: string | null;
      details: Record<string, unknown>;
      ip: string | null;
      user_agent: string | null;
      created_at: Date;
    }[]
  >`
    select e.id::text as id, e.action, e.actor_user_id, a.email as actor_email,
           e.subject_user_id, s.email as subject_email, e.details, e.ip, e.user_agent, e.created_at
    from audit_events e
    left join users a on a.id = e.actor_user_id
    left join users s on s.id = e.subject_user_id
    where e.organization_id = ${organizationId}
      ${page.cursor ? sql`and e.id < ${page.cursor}::bigint` : sql``}
    order by e.id desc
    limit ${page.limit + 1}`;
  const events = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    action: r.action,
    actor: r.actor_user_id ? { id: r.actor_user_id, email: r.actor_email } : null,
    subject: r.subject_user_id ? { id: r.subject_user_id, email: r.subject_email } : null,
    details: r.details,
    ip: r.ip,
    userAgent: r.user_agent,
    createdAt: r.created_at,
  }));
  const hasMore = rows.length > page.limit;
  return { events, nextCursor: hasMore ? (events.at(-1)?.id ?? null) : null };
}
