import type { FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { Member, Role } from '../../api/types.ts';
import { Field, FormError, formText, SelectField, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';

const ROLES: Role[] = ['owner', 'admin', 'editor', 'contributor'];
const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including deleting the organization',
  admin: 'everything except ownership',
  editor: 'publishes, approves and manages channels',
  contributor: 'writes posts that an editor approves',
};

interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
}

/** Members and their roles, and invitations by email. */
export function TeamPanel({
  orgId,
  canManage,
  myUserId,
}: {
  orgId: string;
  canManage: boolean;
  myUserId: string;
}) {
  const base = `/api/orgs/${orgId}`;
  const members = useResource(
    async (signal) => (await api<{ members: Member[] }>(`${base}/members`, { signal })).members,
    [orgId],
  );
  const invitations = useResource(
    async (signal) =>
      canManage
        ? (await api<{ invitations: Invitation[] }>(`${base}/invitations`, { signal })).invitations
        : [],
    [orgId, canManage],
  );
  const submission = useSubmission();
  const invite = useSubmission();

  const setRole = async (member: Member, role: string) => {
    await submission.run(() => api(`${base}/members/${member.userId}`, { method: 'PATCH', body: { role } }));
    await members.reload();
  };
  const remove = async (member: Member) => {
    if (!window.confirm(`Remove ${member.email} from the organization?`)) return;
    await submission.run(() => api(`${base}/members/${member.userId}`, { method: 'DELETE' }));
    await members.reload();
  };
  const sendInvite = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const done = await invite.run(() =>
      api(`${base}/invitations`, { body: { email: formText(form, 'email'), role: formText(form, 'role') } }),
    );
    if (done) {
      form.reset();
      await invitations.reload();
    }
  };

  return (
    <section className="card" aria-labelledby="team-heading">
      <h2 id="team-heading">Team</h2>
      <table className="simple-table">
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.data?.map((member) => (
            <tr key={member.userId}>
              <td>
                {member.name || member.email}
                <br />
                <span className="muted">{member.email}</span>
              </td>
              <td>
                {canManage && member.userId !== myUserId ? (
                  <select
                    aria-label={`Role of ${member.email}`}
                    value={member.role}
                    onChange={(e) => void setRole(member, e.target.value)}
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                ) : (
                  member.role
                )}
              </td>
              <td>
                {canManage && member.userId !== myUserId ? (
                  <button type="button" className="ghost small danger" onClick={() => void remove(member)}>
                    Remove
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormError message={submission.formError} />
      {canManage ? (
        <>
          <h3>Invite someone</h3>
          <form onSubmit={sendInvite} noValidate aria-label="Invite someone">
            <Field label="Email" name="email" type="email" error={invite.fieldErrors.email} />
            <SelectField label="Role" name="role" defaultValue="contributor" error={invite.fieldErrors.role}>
              {ROLES.filter((r) => r !== 'owner').map((role) => (
                <option key={role} value={role}>
                  {role} — {ROLE_HELP[role]}
                </option>
              ))}
            </SelectField>
            <FormError message={invite.formError} />
            <button type="submit" disabled={invite.busy}>
              Send invitation
            </button>
          </form>
          {invitations.data && invitations.data.length > 0 ? (
            <ul>
              {invitations.data.map((inv) => (
                <li key={inv.id}>
                  {inv.email} ({inv.role}) — waiting{' '}
                  <button
                    type="button"
                    className="ghost small"
                    onClick={() =>
                      void api(`${base}/invitations/${inv.id}`, { method: 'DELETE' }).then(() =>
                        invitations.reload(),
                      )
                    }
                  >
                    Withdraw
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
