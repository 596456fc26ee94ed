import { type FormEvent, useEffect, useRef } from 'react';
import { api } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { linkHandler, navigate, useLocation } from '../app/router.ts';
import { useSessionState } from '../app/session.tsx';
import { Field, FormError, formText, useSubmission } from '../ui/forms.tsx';
import { InvitationNotice, invitationTokenIn } from './AccountRecoveryPages.tsx';

/** Sign-in and sign-up: the only pages a signed-out visitor sees. */
export function SignInPage() {
  const { signedIn } = useSessionState();
  const { query } = useLocation();
  const next = nextPath(query);
  const invitation = invitationTokenIn(next);
  const submission = useSubmission();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const me = await submission.run(() =>
      api<Me>('/api/auth/signin', {
        body: { email: formText(form, 'email'), password: formText(form, 'password') },
      }),
    );
    if (me) {
      signedIn(me);
      navigate(next ?? '/queue', { replace: true });
    }
  };

  return (
    <main className="auth" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <p className="brand-large" aria-hidden="true">
          Spool
        </p>
        <h1 ref={heading} tabIndex={-1}>
          Sign in
        </h1>
        {query.get('password') === 'changed' ? (
          <p className="notice ok" role="status">
            Your password was changed and you were signed out everywhere. Sign in with your new password.
          </p>
        ) : null}
        {invitation ? <InvitationNotice token={invitation} /> : null}
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={submission.fieldErrors.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={submission.fieldErrors.password}
        />
        <FormError message={submission.formError} />
        <button className="primary wide" type="submit" disabled={submission.busy}>
          {submission.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted">
          <a href="/forgot-password" onClick={linkHandler('/forgot-password')}>
            Forgot your password?
          </a>
        </p>
        <p className="muted">
          New to Spool?{' '}
          <a href={withNext('/signup', next)} onClick={linkHandler(withNext('/signup', next))}>
            Create an account
          </a>
        </p>
      </form>
    </main>
  );
}

export function SignUpPage() {
  const { signedIn } = useSessionState();
  const { query } = useLocation();
  const next = nextPath(query);
  const invitation = invitationTokenIn(next);
  const submission = useSubmission();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const organizationName = formText(form, 'organizationName').trim();
    const name = formText(form, 'name').trim();
    const me = await submission.run(() =>
      api<Me>('/api/auth/signup', {
        body: {
          email: formText(form, 'email'),
          password: formText(form, 'password'),
          ...(name ? { name } : {}),
          ...(organizationName ? { organizationName } : {}),
        },
      }),
    );
    if (me) {
      signedIn(me);
      // Someone who came from an invitation link goes back to it; a new business starts with channels.
      navigate(next ?? '/channels', { replace: true });
    }
  };

  return (
    <main className="auth" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <p className="brand-large" aria-hidden="true">
          Spool
        </p>
        <h1>Create your account</h1>
        {invitation ? <InvitationNotice token={invitation} /> : null}
        <Field label="Your name" name="name" autoComplete="name" error={submission.fieldErrors.name} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={submission.fieldErrors.email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters; a few words you remember work well."
          error={submission.fieldErrors.password}
        />
        <Field
          label="Business or team name"
          name="organizationName"
          autoComplete="organization"
          error={submission.fieldErrors.organizationName}
        />
        <FormError message={submission.formError} />
        <button className="primary wide" type="submit" disabled={submission.busy}>
          {submission.busy ? 'Creating…' : 'Create account'}
        </button>
        <p className="muted">
          Already have an account?{' '}
          <a href={withNext('/signin', next)} onClick={linkHandler(withNext('/signin', next))}>
            Sign in
          </a>
        </p>
      </form>
    </main>
  );
}

/** Where the visitor was going before being asked to sign in: a path on this site, never elsewhere. */
function nextPath(query: URLSearchParams): string | null {
  const next = query.get('next');
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null;
}

/** Moving between sign-in and sign-up keeps where the visitor was going (an invitation, a shared link). */
function withNext(path: string, next: string | null): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}
