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
    if (done) navigate('/signin', { replace: true });
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
      </form>
    </main>
  );
}

interface InvitationInfo {
  organization?: { name: string };
  organizationName?: string;
  role: string;
  email: string;
}

/** Accepting an invitation link while signed in (signed-out visitors sign in or up first). */
export function AcceptInvitationPage() {
  const { query } = useLocation();
  const session = useSession();
  const token = query.get('token') ?? '';
  const info = useResource(
    (signal) => api<InvitationInfo>(`/api/invitations/${encodeURIComponent(token)}`, { signal }),
    [token],
  );
  const submission = useSubmission();
  const accept = async () => {
    const result = await submission.run(() =>
      api<{ organizationId?: string; organization?: { id: string } }>('/api/invitations/accept', {
        body: { token },
      }),
    );
    if (!result) return;
    await session.refresh();
    const orgId = result.organizationId ?? result.organization?.id;
    if (orgId) session.switchOrg(orgId);
    navigate('/queue', { replace: true });
  };
  const name = info.data?.organization?.name ?? info.data?.organizationName ?? 'an organization';
  return (
    <section className="card auth-card">
      <h1>Join {name}</h1>
      {info.error ? <p className="form-error">{info.error}</p> : null}
      {info.data ? (
        <p>
          You are invited as <strong>{info.data.role}</strong> ({info.data.email}).
        </p>
      ) : null}
      <FormError message={submission.formError} />
      <button
        type="button"
        className="primary"
        disabled={!info.data || submission.busy}
        onClick={() => void accept()}
      >
        Accept invitation
      </button>
    </section>
  );
}
