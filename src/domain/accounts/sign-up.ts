import type { Sql } from '../../db/connection.ts';
import { hashPassword } from '../../security/passwords.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordAudit } from './audit.ts';
import type { Role } from './roles.ts';

export interface SignUpInput {
  email: string;
  password: string;
  name?: string;
  /** The first organization (workspace); named after the person when omitted. */
  organizationName?: string;
}

export interface CreatedUser {
  userId: string;
  organizationId: string;
  role: Role;
}

/**
 * Creates a user and their first organization, in which they are the owner. The email must be new;
 * `role` lets an operator (CLI) create someone with another role in a named organization.
 */
export async function signUp(
  sql: Sql,
  input: SignUpInput,
  options: { origin?: RequestOrigin; role?: Role; joinExistingOrganization?: boolean } = {},
): Promise<CreatedUser> {
  const passwordHash = await hashPassword(input.password);
  const role = options.role ?? 'owner';
  return sql.begin(async (tx) => {
    const [existing] = await tx`select 1 from users where lower(email) = lower(${input.email})`;
    if (existing) {
      throw new SpoolError(
        'user.email_taken',
        'An account with this email address already exists. Sign in, or reset your password.',
        'conflict',
      );
    }
    const [user] = await tx<{ id: string }[]>`
      insert into users (email, name, password_hash) values (${input.email}, ${input.name ?? ''}, ${passwordHash})
      returning id`;
    const orgName = input.organizationName ?? (input.name ? `${input.name}'s workspace` : 'My workspace');
    let organizationId: string | undefined;
    if (options.joinExistingOrganization && input.organizationName) {
      const [org] = await tx<{ id: string }[]>`
        select id from organizations where name = ${input.organizationName} order by created_at limit 1`;
      organizationId = org?.id;
    }
    if (!organizationId) {
      const [org] = await tx<
        { id: string }[]
      >`insert into organizations (name) values (${orgName}) returning id`;
      organizationId = org!.id;
    }
    await tx`insert into memberships (organization_id, user_id, role) values (${organizationId}, ${user!.id}, ${role})`;
    await recordAudit(tx as unknown as Sql, {
      action: 'user.signed_up',
      organizationId,
      actorUserId: user!.id,
      subjectUserId: user!.id,
      origin: options.origin,
    });
    return { userId: user!.id, organizationId, role };
  });
}
