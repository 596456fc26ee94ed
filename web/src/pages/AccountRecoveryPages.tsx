import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { linkHandler, navigate, useLocation } from '../app/router.ts';
import { useSession } from '../app/session.tsx';
import { Field, FormError, formText, useSubmission } from '../ui/forms.tsx';
import { useResource } from '../ui/use-resource.ts';

/** "Forgot your password?": mails a reset link (the answer never says whether the address exists). */
export function ForgotPasswordPage() {
  const submission = useSubmission();
  const [sent, setSent] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const done = await submission.run(() =>
      api('/api/auth/password-reset', { body: { email: formText(form, 'email') } }).then(() => true),
    );
    if (done) setSent(true);
  };
  return (
    <main className="auth" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Reset your password</h1>
        {sent ? (
          <p className="notice ok" role="status">
            If an account uses that address, a reset link is on its way. Check your email.
          </p>
        ) : (
          <>
            <Field
              label="Email"
              name="email"
              type="email"
              autoComplete="email"
              error={submission.fieldErrors.email}
            />
            <FormError message={submission.formError} />
            <button className="primary wide" type="submit" disabled={submission.busy}>
              Send reset link
            </button>
          </>
        )}
        <p className="muted">
          <a href="/signin" onClick={linkHandler('/signin')}>
            Back to sign in
          </a>
        </p>
      </form>
    </main>
  );
}

export function ResetPasswordPage() {
  const { query } = useLocation();
  const submission = useSubmission();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const done = await submission.run(() =>
      api('/api/auth/password-reset/confirm', {
        body: { token: query.get('token') ?? '', newPassword: formText(form, 'newPassword') },
      }).then(() => true),
    );
    // The sign-in page says the password changed, so the person knows which one to type.
    if (done) navigate('/signin?password=changed', { replace: true });
  };
  return (
    <main className="auth" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Choose a new password</h1>
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          error={submission.fieldErrors.newPassword ?? submission.fieldErrors.token}
        />
        <FormError message={submission.formError} />
        <button className="primary wide" type="submit" disabled={submission.busy}>
          Set password
        </button>
        <p className="muted">
          <a href="/forgot-password" onClick={linkHandler('/forgot-password')}>
            Ask for a new link
          </a>
        </p>
      </form>
    </main>
  );
}

/** What an invitation link offers, as GET /api/invitations/:token answers. */
interface InvitationInfo {
  organization: { name: string };
  inviter: { name: string; email: string } | null;
  role: string;
  email: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
}

const UNUSABLE: Record<Exclude<InvitationInfo['status'], 'pending'>, string> = {
  accepted: 'This invitation has already been used.',
  revoked:
    'This invitation was withdrawn or replaced by a newer one. Use the newest invitation email, or ask for a new one.',
  expired: 'This invitation has expired. Ask the person who invited you to send a new one.',
};

function useInvitation(token: string) {
  return useResource(
    (signal) => api<InvitationInfo>(`/api/invitations/${encodeURIComponent(token)}`, { signal }),
    [token],
  );
}

/** The invitation token inside a `next` path such as /invitations/accept?token=…, if it is one. */
export function invitationTokenIn(next: string | null): string | null {
  if (!next?.startsWith('/invitations/accept?')) return null;
  return new URLSearchParams(next.slice(next.indexOf('?') + 1)).get('token');
}

/**
 * On the sign-in and sign-up pages when the visitor came from an invitation link: who invited them
 * where, and which address to use, so they know why they are asked to sign in.
 */
export function InvitationNotice({ token }: { token: string }) {
  const info = useInvitation(token);
  if (info.error) return <p className="notice warn">{info.error}</p>;
  if (!info.data) return null;
  const { organization, inviter, role, email, status } = info.data;
  if (status !== 'pending') return <p className="notice warn">{UNUSABLE[status]}</p>;
  return (
    <p className="notice ok" role="status">
      {/* One flex item (.notice is a flex row), so the sentence wraps as text. */}
      <span>
        {inviter ? `${inviter.name || inviter.email} invited you` : 'You are invited'} to join{' '}
        <strong>{organization.name}</strong> as {role}. Sign in, or create an account, with {email} to accept.
      </span>
    </p>
  );
}

/** Accepting an invitation link while signed in (signed-out visitors sign in or up first). */
export function AcceptInvitationPage() {
  const { query } = useLocation();
  const session = useSession();
  const token = query.get('token') ?? '';
  const info = useInvitation(token);
  const submission = useSubmission();
  const accept = async () => {
    const result = await submission.run(() =>
      api<{ organizationId: string }>('/api/invitations/accept', { body: { token } }),
    );
    if (!result) return;
    await session.refresh();
    session.switchOrg(result.organizationId);
    navigate('/queue', { replace: true });
  };
  const status = info.data?.status;
  return (
    <section className="card auth-card">
      <h1>Join {info.data?.organization.name ?? 'an organization'}</h1>
      {info.error ? <p className="form-error">{info.error}</p> : null}
      {info.data ? (
        <p>
          You are invited as <strong>{info.data.role}</strong> ({info.data.email}).
        </p>
      ) : null}
      {status && status !== 'pending' ? <p className="form-error">{UNUSABLE[status]}</p> : null}
      <FormError message={submission.formError} />
      <button
        type="button"
        className="primary"
        disabled={status !== 'pending' || submission.busy}
        onClick={() => void accept()}
      >
        Accept invitation
      </button>
    </section>
  );
}
