import type { FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { Me } from '../../api/types.ts';
import { Field, FormError, formText, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';

/** Your profile as the server knows it, and a password change. */
export function ProfilePanel({ me }: { me: Me }) {
  const submission = useSubmission();
  const change = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const done = await submission.run(() =>
      api('/api/me/password', {
        body: {
          currentPassword: formText(form, 'currentPassword'),
          newPassword: formText(form, 'newPassword'),
        },
      }).then(() => true),
    );
    if (done) form.reset();
  };
  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Your profile</h2>
      <p>
        {me.user.name || 'No name'} · {me.user.email}
        <br />
        <span className="muted">Time zone: {me.user.timezone}</span>
      </p>
      <h3>Change password</h3>
      <form onSubmit={change} noValidate aria-label="Change password">
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          error={submission.fieldErrors.currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          error={submission.fieldErrors.newPassword}
        />
        <FormError message={submission.formError} />
        <button type="submit" disabled={submission.busy}>
          Change password
        </button>
      </form>
    </section>
  );
}

interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

/** Failed, unconfirmed and disconnected notices, and approvals to give. */
export function NotificationsPanel() {
  const list = useResource(
    (signal) =>
      api<{ notifications: Notification[]; unread: number }>('/api/notifications?limit=30', { signal }),
    [],
  );
  const readAll = async () => {
    await api('/api/notifications/read-all', { method: 'POST' });
    await list.reload();
  };
  return (
    <section className="card" aria-labelledby="notifications-heading">
      <h2 id="notifications-heading">
        Notifications {list.data?.unread ? <span className="badge warn">{list.data.unread} new</span> : null}
      </h2>
      {list.error ? <p className="muted">{list.error}</p> : null}
      {list.data?.notifications.length === 0 ? <p className="muted">Nothing to report.</p> : null}
      <ul className="notification-list">
        {list.data?.notifications.map((n) => (
          <li key={n.id} className={n.readAt ? 'muted' : ''}>
            <strong>{n.title}</strong> — {n.body}{' '}
            <span className="muted">({new Date(n.createdAt).toLocaleString()})</span>
          </li>
        ))}
      </ul>
      {list.data?.unread ? (
        <button type="button" className="small" onClick={() => void readAll()}>
          Mark all as read
        </button>
      ) : null}
    </section>
  );
}
