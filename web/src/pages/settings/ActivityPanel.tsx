import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';
import './settings.css';

interface Person {
  id: string;
  email: string | null;
}

interface AuditEvent {
  id: string;
  action: string;
  actor: Person | null;
  subject: Person | null;
  details: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}

interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

const PAGE_SIZE = 20;

/** The organization's security log for its owners: who did what, and when, newest first. */
export function ActivityPanel({
  orgId,
  myUserId,
  timeZone,
}: {
  orgId: string;
  myUserId: string;
  timeZone: string;
}) {
  const base = `/api/orgs/${orgId}/audit-events?limit=${PAGE_SIZE}`;
  const first = useResource((signal) => api<AuditPage>(base, { signal }), [base]);
  // Pages loaded with "Load more", after the first; reset whenever the first page is loaded again.
  const [later, setLater] = useState<AuditPage[]>([]);
  const [focusId, setFocusId] = useState<string | null>(null);
  const more = useSubmission();
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (first.data) setLater([]);
  }, [first.data]);
  useEffect(() => {
    // Keyboard users land on the first newly loaded entry rather than at the top of the page.
    if (focusId) list.current?.querySelector<HTMLElement>(`[data-event-id="${focusId}"]`)?.focus();
  }, [focusId]);

  const events = [...(first.data?.events ?? []), ...later.flatMap((page) => page.events)];
  const cursor = later.length > 0 ? (later.at(-1)?.nextCursor ?? null) : (first.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!cursor) return;
    const page = await more.run(() => api<AuditPage>(`${base}&cursor=${encodeURIComponent(cursor)}`));
    if (!page) return;
    setLater((pages) => [...pages, page]);
    setFocusId(page.events[0]?.id ?? null);
  };

  return (
    <section className="card settings-wide" aria-labelledby="activity-heading">
      <div className="panel-head">
        <h2 id="activity-heading">Activity</h2>
        <button
          type="button"
          className="ghost small"
          onClick={() => void first.reload()}
          disabled={first.loading}
        >
          Refresh
        </button>
      </div>
      <p className="muted">
        Sign-ins, profile changes, tokens, apps and team changes in this organization. Times are in {timeZone}
        .
      </p>
      {first.error ? <p className="form-error">{first.error}</p> : null}
      {first.data && events.length === 0 ? <p className="muted">Nothing has happened yet.</p> : null}
      <ol className="activity-list" ref={list} aria-label="Activity, newest first">
        {events.map((event) => (
          <li key={event.id} data-event-id={event.id} tabIndex={-1}>
            <span>
              <strong>{whoDid(event, myUserId)}</strong> {whatHappened(event, myUserId)}
              {event.ip ? <span className="muted small"> · from {event.ip}</span> : null}
            </span>
            <time dateTime={event.createdAt}>{formatWhen(event.createdAt, timeZone)}</time>
          </li>
        ))}
      </ol>
      <FormError message={more.formError} />
      {cursor ? (
        <button type="button" onClick={() => void loadMore()} disabled={more.busy}>
          {more.busy ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </section>
  );
}

function formatWhen(iso: string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
  }
}

function nameOf(person: Person | null, myUserId: string): string {
  if (!person) return 'a deleted account';
  return person.id === myUserId ? 'you' : (person.email ?? 'a deleted account');
}

function whoDid(event: AuditEvent, myUserId: string): string {
  if (event.actor) return event.actor.id === myUserId ? 'You' : (event.actor.email ?? 'A deleted account');
  return event.action === 'user.sign_in_failed' ? 'Someone' : 'Spool';
}

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value ?? ''));

/** One line a person reads: "changed your time zone to Europe/Paris", "registered the app “X”". */
function whatHappened(event: AuditEvent, myUserId: string): string {
  const d = event.details;
  const own = event.actor?.id === myUserId ? 'your' : 'their';
  const subject = nameOf(event.subject, myUserId);
  switch (event.action) {
    case 'user.signed_up':
      return 'signed up';
    case 'user.signed_in':
      return 'signed in';
    case 'user.sign_in_failed':
      return `tried to sign in as ${subject} with a wrong password`;
    case 'user.signed_out':
      return 'signed out';
    case 'user.password_changed':
      return `changed ${own} password`;
    case 'user.password_reset_requested':
      return 'asked for a password reset email';
    case 'user.password_reset':
      return `reset ${own} password from an email link`;
    case 'user.profile_changed':
      return profileChange(d, own);
    case 'user.deleted':
      return 'deleted their account';
    case 'token.created':
      return `created the API token “${text(d.name)}”`;
    case 'token.revoked':
      return `revoked the API token “${text(d.name)}”`;
    case 'oauth.client_created':
      return `registered the OAuth app “${text(d.name)}”`;
    case 'oauth.client_revoked':
      return `deleted the OAuth app with client ID ${text(d.clientId)}`;
    case 'oauth.authorized':
      return `gave the app “${text(d.name)}” access to ${own} account (${text(d.scope)})`;
    case 'oauth.access_revoked':
      return `ended the access of the app with client ID ${text(d.clientId)}`;
    case 'member.invited':
      return `invited ${text(d.email)} as ${text(d.role)}`;
    case 'member.joined':
      return `joined as ${text(d.role)}`;
    case 'member.role_changed':
      return `changed ${subject === 'you' ? 'your' : `${subject}’s`} role from ${text(d.from)} to ${text(d.to)}`;
    case 'member.removed':
      return d.left === true ? 'left the organization' : `removed ${subject} (${text(d.role)})`;
    default:
      return event.action;
  }
}

function profileChange(details: Record<string, unknown>, own: string): string {
  const fields = text(details.changed).split(',');
  const parts = [
    fields.includes('name') ? 'name' : '',
    fields.includes('timezone') ? `time zone to ${text(details.timezone)}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `changed ${own} ${parts.join(' and ')}` : `changed ${own} profile`;
}
