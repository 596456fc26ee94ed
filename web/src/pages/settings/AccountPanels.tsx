import { api } from '../../api/client.ts';
import { useResource } from '../../ui/use-resource.ts';

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
