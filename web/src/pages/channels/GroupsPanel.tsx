import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Channel, ProfileGroup } from '../../api/types.ts';
import { Field, FormError, formText, useSubmission } from '../../ui/forms.tsx';
import { channelName } from '../../ui/networks.ts';
import type { Resource } from '../../ui/use-resource.ts';

/** Profile groups: named sets of channels to pick together in the composer and the queue. */
export function GroupsPanel({
  orgId,
  channels,
  groups,
  canManage,
}: {
  orgId: string;
  channels: Channel[];
  groups: Resource<ProfileGroup[]>;
  canManage: boolean;
}) {
  const submission = useSubmission();
  const [members, setMembers] = useState<Set<string>>(new Set());

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const created = await submission.run(() =>
      api<ProfileGroup>(`/api/orgs/${orgId}/groups`, {
        idempotent: true,
        body: { name: formText(form, 'name'), channelIds: [...members] },
      }),
    );
    if (created) {
      form.reset();
      setMembers(new Set());
      await groups.reload();
    }
  };

  const toggleMember = async (group: ProfileGroup, channelId: string, member: boolean) => {
    await submission.run(() =>
      api(`/api/orgs/${orgId}/groups/${group.id}/channels/${channelId}`, {
        method: member ? 'DELETE' : 'PUT',
      }),
    );
    await groups.reload();
  };

  const remove = async (group: ProfileGroup) => {
    if (!window.confirm(`Delete the group "${group.name}"? Its channels stay.`)) return;
    await submission.run(() => api(`/api/orgs/${orgId}/groups/${group.id}`, { method: 'DELETE' }));
    await groups.reload();
  };

  return (
    <section className="card" aria-labelledby="groups-heading">
      <h2 id="groups-heading">Profile groups</h2>
      {groups.data?.length === 0 ? (
        <p className="empty">No groups yet. Group channels you often post to together.</p>
      ) : null}
      <ul className="group-list">
        {groups.data?.map((group) => (
          <li key={group.id}>
            <strong>{group.name}</strong>
            <fieldset className="chips" disabled={!canManage}>
              <legend className="sr-only">Channels in {group.name}</legend>
              {channels.map((channel) => {
                const member = group.channelIds.includes(channel.id);
                return (
                  <label key={channel.id} className="chip">
                    <input
                      type="checkbox"
                      checked={member}
                      onChange={() => void toggleMember(group, channel.id, member)}
                    />
                    {channelName(channel)}
                  </label>
                );
              })}
            </fieldset>
            {canManage ? (
              <button type="button" className="ghost small danger" onClick={() => void remove(group)}>
                Delete group
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage ? (
        <form onSubmit={create} noValidate className="stack" aria-label="New profile group">
          <Field label="New group name" name="name" required error={submission.fieldErrors.name} />
          <fieldset className="chips">
            <legend>Channels</legend>
            {channels.map((channel) => (
              <label key={channel.id} className="chip">
                <input
                  type="checkbox"
                  checked={members.has(channel.id)}
                  onChange={() =>
                    setMembers((current) => {
                      const next = new Set(current);
                      if (next.has(channel.id)) next.delete(channel.id);
                      else next.add(channel.id);
                      return next;
                    })
                  }
                />
                {channelName(channel)}
              </label>
            ))}
          </fieldset>
          <FormError message={submission.formError} />
          <button type="submit" disabled={submission.busy}>
            Create group
          </button>
        </form>
      ) : null}
    </section>
  );
}
