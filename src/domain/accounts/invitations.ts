import type { Sql } from '../../db/connection.ts';
import { invitationEmail, invitationLink } from '../../mail/templates.ts';
import type { Mailer } from '../../ports/mailer.ts';
import { hashToken, newToken } from '../../security/tokens.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordAudit } from './audit.ts';
import { ownerRequired } from './members.ts';
import { hitWindow } from './rate-limit.ts';
import type { Role } from './roles.ts';

export const INVITATION_TTL_DAYS = 7;
/** Invitations an organization may send per hour: plenty for a team, too few to spam with. */
export const INVITATIONS_PER_HOUR = 50;

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  invitedBy: { id: string; email: string; name: string } | null;
  createdAt: Date;
  expiresAt: Date;
}

interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  invited_by: string | null;
  inviter_email: string | null;
  inviter_name: string | null;
  created_at: Date;
  expires_at: Date;
}

const present = (r: InvitationRow): InvitationView => ({
  id: r.id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by
    ? { id: r.invited_by, email: r.inviter_email ?? '', name: r.inviter_name ?? '' }
    : null,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const invitationNotFound = () =>
  new SpoolError(
    'invitation.not_found',
    'There is no such invitation: the link may be mistyped or incomplete. Open it again from the email.',
    'not_found',
  );

/**
 * Invites someone by email with a role and mails them a single-use link. Inviting the same address
 * again replaces the earlier invitation. The invitation exists only if the email could be sent.
 */
export async function createInvitation(
  sql: Sql,
  mailer: Mailer,
  input: {
    organizationId: string;
    inviterUserId: string;
    inviterRole: Role;
    email: string;
    role: Role;
    baseUrl: string;
  },
  origin: RequestOrigin = {},
): Promise<InvitationView> {
  if (input.role === 'owner' && input.inviterRole !== 'owner') throw ownerRequired();
  const window = await hitWindow(sql, `invite:org:${input.organizationId}`, INVITATIONS_PER_HOUR, 3600);
  if (window.exceeded) {
    throw new SpoolError(
      'invitation.too_many',
      `This organization sent more than ${INVITATIONS_PER_HOUR} invitations in the last hour. Try again in ${Math.ceil(window.resetInSeconds / 60)} minute(s).`,
      'rate_limited',
      { retryAfterSeconds: window.resetInSeconds },
    );
  }
  const token = newToken('inv');
  const id = await sql.begin(async (tx) => {
    const [member] = await tx`
      select 1 from memberships m join users u on u.id = m.user_id
      where m.organization_id = ${input.organizationId} and lower(u.email) = lower(${input.email})`;
    if (member) {
      throw new SpoolError(
        'invitation.already_member',
        `${input.email} is already a member of this organization; change their role in the member list instead.`,
        'conflict',
      );
    }
    await tx`update invitations set revoked_at = now()
             where organization_id = ${input.organizationId} and lower(email) = lower(${input.email})
               and accepted_at is null and revoked_at is null`;
    const [row] = await tx<{ id: string }[]>`
      insert into invitations (organization_id, email, role, token_hash, invited_by, expires_at)
      values (${input.organizationId}, ${input.email}, ${input.role}, ${hashToken(token)}, ${input.inviterUserId},
              now() + make_interval(days => ${INVITATION_TTL_DAYS}))
      returning id`;
    const [context] = await tx<{ organization_name: string; inviter_name: string; inviter_email: string }[]>`
      select o.name as organization_name, u.name as inviter_name, u.email as inviter_email
      from organizations o, users u where o.id = ${input.organizationId} and u.id = ${input.inviterUserId}`;
    await recordAudit(tx as unknown as Sql, {
      action: 'member.invited',
      organizationId: input.organizationId,
      actorUserId: input.inviterUserId,
      details: { email: input.email, role: input.role },
      origin,
    });
    const email = invitationEmail({
      link: invitationLink(input.baseUrl, token),
      organizationName: context!.organization_name,
      inviterName: context!.inviter_name,
      inviterEmail: context!.inviter_email,
      role: input.role,
      validForDays: INVITATION_TTL_DAYS,
    });
    // Sent inside the transaction: if the mail cannot go out, no invitation is left behind.
    try {
      await mailer.send({ to: input.email, ...email });
    } catch {
      throw new SpoolError(
        'mail.unavailable',
        'Spool could not send the invitation email, so no invitation was created. Try again in a moment; if it keeps failing, the operator should check the SMTP settings.',
        'unavailable',
      );
    }
    return row!.id;
  });
  const [view] = await selectInvitations(sql, input.organizationId, id);
  return view!;
}

async function selectInvitations(sql: Sql, organizationId: string, id?: string): Promise<InvitationView[]> {
  const rows = await sql<InvitationRow[]>`
    select i.id, i.email, i.role, i.invited_by, u.email as inviter_email, u.name as inviter_name,
           i.created_at, i.expires_at
    from invitations i left join users u on u.id = i.invited_by
    where i.organization_id = ${organizationId}
      ${id ? sql`and i.id = ${id}` : sql`and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()`}
    order by i.created_at desc`;
  return rows.map(present);
}

/** Invitations not yet accepted, revoked or expired. */
export function listPendingInvitations(sql: Sql, organizationId: string): Promise<InvitationView[]> {
  return selectInvitations(sql, organizationId);
}

export async function revokeInvitation(sql: Sql, organizationId: string, invitationId: string) {
  const updated = await sql`
    update invitations set revoked_at = now()
    where id = ${invitationId} and organization_id = ${organizationId}
      and accepted_at is null and revoked_at is null`;
  if (updated.count === 0) {
    throw new SpoolError(
      'invitation.not_found',
      'There is no such pending invitation (it may already be accepted or revoked).',
      'not_found',
    );
  }
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationPreview {
  organization: { name: string };
  inviter: { name: string; email: string } | null;
  email: string;
  role: Role;
  status: InvitationStatus;
  expired: boolean;
  expiresAt: Date;
}

interface TokenRow {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: Role;
  inviter_name: string | null;
  inviter_email: string | null;
  accepted: boolean;
  revoked: boolean;
  expired: boolean;
  expires_at: Date;
}

async function findByToken(sql: Sql, token: string, lock: boolean): Promise<TokenRow | undefined> {
  const [row] = await sql<TokenRow[]>`
    select i.id, i.organization_id, o.name as organization_name, i.email, i.role,
           u.name as inviter_name, u.email as inviter_email,
           i.accepted_at is not null as accepted, i.revoked_at is not null as revoked,
           i.expires_at <= now() as expired, i.expires_at
    from invitations i
    join organizations o on o.id = i.organization_id
    left join users u on u.id = i.invited_by
    where i.token_hash = ${hashToken(token)}
    ${lock ? sql`for update of i` : sql``}`;
  return row;
}

const statusOf = (row: TokenRow): InvitationStatus =>
  row.accepted ? 'accepted' : row.revoked ? 'revoked' : row.expired ? 'expired' : 'pending';

/** What the accept page shows before the person signs in: who invited them where, and as what. */
export async function previewInvitation(sql: Sql, token: string): Promise<InvitationPreview> {
  const row = await findByToken(sql, token, false);
  if (!row) throw invitationNotFound();
  return {
    organization: { name: row.organization_name },
    inviter: row.inviter_email ? { name: row.inviter_name ?? '', email: row.inviter_email } : null,
    email: row.email,
    role: row.role,
    status: statusOf(row),
    expired: row.expired,
    expiresAt: row.expires_at,
  };
}

/** The signed-in user joins the organization with the invitation's role. */
export async function acceptInvitation(
  sql: Sql,
  input: { token: string; userId: string },
  origin: RequestOrigin = {},
): Promise<{ organizationId: string; organizationName: string; role: Role }> {
  return sql.begin(async (tx) => {
    const txSql = tx as unknown as Sql;
    const row = await findByToken(txSql, input.token, true);
    if (!row) throw invitationNotFound();
    const status = statusOf(row);
    if (status !== 'pending') throw unusable(status);
    const [user] = await tx<{ email: string }[]>`select email from users where id = ${input.userId}`;
    if (!user || user.email.toLowerCase() !== row.email.toLowerCase()) {
      throw new SpoolError(
        'invitation.wrong_account',
        `This invitation was sent to ${row.email}, but you are signed in as ${user?.email ?? 'another account'}. Sign out, then sign in (or sign up) as ${row.email} to accept it.`,
        'forbidden',
        { invitedEmail: row.email },
      );
    }
    const joined = await tx`
      insert into memberships (organization_id, user_id, role) values (${row.organization_id}, ${input.userId}, ${row.role})
      on conflict (organization_id, user_id) do nothing`;
    if (joined.count === 0) {
      throw new SpoolError(
        'invitation.already_member',
        `You are already a member of ${row.organization_name}.`,
        'conflict',
      );
    }
    await tx`update invitations set accepted_at = now() where id = ${row.id}`;
    await recordAudit(txSql, {
      action: 'member.joined',
      organizationId: row.organization_id,
      actorUserId: input.userId,
      subjectUserId: input.userId,
      details: { role: row.role, invitationId: row.id },
      origin,
    });
    return { organizationId: row.organization_id, organizationName: row.organization_name, role: row.role };
  });
}

function unusable(status: Exclude<InvitationStatus, 'pending'>): SpoolError {
  switch (status) {
    case 'accepted':
      return new SpoolError(
        'invitation.already_accepted',
        'This invitation has already been used.',
        'conflict',
      );
    case 'revoked':
      return new SpoolError(
        'invitation.revoked',
        'This invitation was withdrawn or replaced by a newer one. Use the newest invitation email, or ask the person who invited you to send a new one.',
        'invalid',
      );
    case 'expired':
      return new SpoolError(
        'invitation.expired',
        `This invitation has expired (invitations are valid for ${INVITATION_TTL_DAYS} days). Ask the person who invited you to send a new one.`,
        'invalid',
      );
  }
}
