import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../../api/client.ts';
import type { Channel } from '../../api/types.ts';
import { Field, FormError, formText, useSubmission } from '../../ui/forms.tsx';
import './connect.css';

/** Where a Bluesky account lives and who it is, as the person typed it (or a channel knows it). */
export interface BlueskyAccount {
  handle?: string | undefined;
  serviceUrl?: string | undefined;
}

/**
 * Sent to the app-password form when this Spool cannot sign in with Bluesky OAuth (plain http on
 * a public name): the server's explanation, and the account to prefill. `id` tells two apart.
 */
export interface AppPasswordFallback extends BlueskyAccount {
  id: number;
  reason: string;
}

export type BlueskySignIn = { authorizationUrl: string } | { appPasswordOnly: string };

/**
 * Asks Spool for the account's own sign-in page. When OAuth is impossible on this Spool the answer
 * is the reason, so the caller can offer an app password; any other problem is thrown as usual.
 */
export async function startBlueskySignIn(orgId: string, account: BlueskyAccount): Promise<BlueskySignIn> {
  const handle = account.handle?.trim().replace(/^@/, '');
  let serviceUrl = account.serviceUrl?.trim();
  // People type a server as they see it ("pds.example.com"); the API wants an address.
  if (serviceUrl && !/^[a-z][a-z0-9+.-]*:\/\//i.test(serviceUrl)) serviceUrl = `https://${serviceUrl}`;
  try {
    return await api<{ authorizationUrl: string }>(`/api/orgs/${orgId}/channels/bluesky/authorize`, {
      body: { ...(handle ? { handle } : {}), ...(serviceUrl ? { serviceUrl } : {}) },
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'bluesky.oauth_needs_https') {
      return { appPasswordOnly: error.message };
    }
    throw error;
  }
}

/** Signing in on the person's own Bluesky server first; an app password as the alternative. */
export function BlueskyConnect({
  orgId,
  onConnected,
  fallback,
}: {
  orgId: string;
  onConnected(channel: Channel): void;
  fallback: AppPasswordFallback | null;
}) {
  const [mode, setMode] = useState<'oauth' | 'app-password'>(fallback ? 'app-password' : 'oauth');
  const [oauthUnavailable, setOAuthUnavailable] = useState<string | null>(fallback?.reason ?? null);
  // What was typed carries over when switching between the two forms.
  const [account, setAccount] = useState<BlueskyAccount>({
    handle: fallback?.handle,
    serviceUrl: fallback?.serviceUrl,
  });
  // Focus follows a switch the person made (or a reconnect sent here), not the first render.
  const [moved, setMoved] = useState(fallback !== null);

  if (mode === 'oauth') {
    return (
      <BlueskyOAuthForm
        orgId={orgId}
        initial={account}
        focusOnMount={moved}
        onAppPassword={(typed, reason) => {
          setAccount(typed);
          setOAuthUnavailable(reason ?? null);
          setMoved(true);
          setMode('app-password');
        }}
      />
    );
  }
  return (
    <BlueskyAppPasswordForm
      orgId={orgId}
      initial={account}
      focusOnMount={moved}
      oauthUnavailable={oauthUnavailable}
      onConnected={onConnected}
      onOAuth={(typed) => {
        setAccount(typed);
        setMoved(true);
        setMode('oauth');
      }}
    />
  );
}

function typedAccount(form: HTMLFormElement | null): BlueskyAccount {
  if (!form) return {};
  return { handle: formText(form, 'handle'), serviceUrl: formText(form, 'serviceUrl') };
}

function BlueskyOAuthForm({
  orgId,
  initial,
  focusOnMount,
  onAppPassword,
}: {
  orgId: string;
  initial: BlueskyAccount;
  focusOnMount: boolean;
  onAppPassword(typed: BlueskyAccount, reason?: string): void;
}) {
  const submission = useSubmission();
  const form = useRef<HTMLFormElement>(null);
  const [advanced, setAdvanced] = useState(Boolean(initial.serviceUrl));
  const [leaving, setLeaving] = useState(false);
  const serverError = submission.fieldErrors.serviceUrl;

  useEffect(() => {
    if (focusOnMount) form.current?.querySelector<HTMLInputElement>('input[name=handle]')?.focus();
  }, [focusOnMount]);
  // An error about the server must be seen: open the disclosure it is in.
  useEffect(() => {
    if (serverError) setAdvanced(true);
  }, [serverError]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const typed = typedAccount(event.currentTarget);
    const started = await submission.run(() => startBlueskySignIn(orgId, typed));
    if (!started) return;
    if ('appPasswordOnly' in started) {
      onAppPassword(typed, started.appPasswordOnly);
      return;
    }
    // The person's server asks them to sign in and allow Spool, then sends the browser back to /channels.
    setLeaving(true);
    window.location.assign(started.authorizationUrl);
  };

  return (
    <form
      ref={form}
      onSubmit={submit}
      noValidate
      aria-label="Sign in with Bluesky"
      className="bluesky-connect"
    >
      <p className="hint">
        You sign in on your own Bluesky server and choose to allow Spool. Spool never sees your password.
      </p>
      <HandleField defaultValue={initial.handle} error={submission.fieldErrors.handle} />
      <details
        className="connect-advanced"
        open={advanced}
        onToggle={(event) => setAdvanced(event.currentTarget.open)}
      >
        <summary>Advanced</summary>
        <Field
          label="Server"
          name="serviceUrl"
          type="url"
          placeholder="https://bsky.social"
          hint="The address of your PDS or entryway, if your account is not on bsky.social (a self-hosted server)."
          defaultValue={initial.serviceUrl}
          error={serverError}
        />
      </details>
      <FormError message={submission.formError} />
      <div className="button-row">
        <button className="primary" type="submit" disabled={submission.busy || leaving}>
          {leaving ? 'Opening your Bluesky server…' : 'Sign in with Bluesky'}
        </button>
        <button type="button" className="ghost" onClick={() => onAppPassword(typedAccount(form.current))}>
          Use an app password instead
        </button>
      </div>
    </form>
  );
}

function BlueskyAppPasswordForm({
  orgId,
  initial,
  focusOnMount,
  oauthUnavailable,
  onConnected,
  onOAuth,
}: {
  orgId: string;
  initial: BlueskyAccount;
  focusOnMount: boolean;
  /** Why signing in with Bluesky is not possible here, in the server's words. */
  oauthUnavailable: string | null;
  onConnected(channel: Channel): void;
  onOAuth(typed: BlueskyAccount): void;
}) {
  const submission = useSubmission();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!focusOnMount) return;
    // The first field still to fill: the app password when the handle came along.
    const name = initial.handle ? 'appPassword' : 'handle';
    form.current?.querySelector<HTMLInputElement>(`input[name=${name}]`)?.focus();
  }, [focusOnMount, initial.handle]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const current = event.currentTarget;
    const serviceUrl = formText(current, 'serviceUrl').trim();
    const channel = await submission.run(() =>
      api<Channel>(`/api/orgs/${orgId}/channels/bluesky`, {
        body: {
          handle: formText(current, 'handle'),
          appPassword: formText(current, 'appPassword'),
          ...(serviceUrl ? { serviceUrl } : {}),
        },
      }),
    );
    if (channel) onConnected(channel);
  };
  return (
    <form ref={form} onSubmit={submit} noValidate aria-label="Connect Bluesky with an app password">
      {oauthUnavailable ? (
        <p className="notice warn" role="alert">
          {oauthUnavailable}
        </p>
      ) : null}
      <HandleField defaultValue={initial.handle} error={submission.fieldErrors.handle} required />
      <Field
        label="App password"
        name="appPassword"
        type="password"
        autoComplete="off"
        hint="Create one in Bluesky under Settings → Privacy and security → App passwords. It is not stored."
        required
        error={submission.fieldErrors.appPassword}
      />
      <Field
        label="Server (optional)"
        name="serviceUrl"
        placeholder="https://bsky.social"
        defaultValue={initial.serviceUrl}
        error={submission.fieldErrors.serviceUrl}
      />
      <FormError message={submission.formError} />
      <div className="button-row">
        <button className="primary" type="submit" disabled={submission.busy}>
          Connect Bluesky
        </button>
        {/* When this Spool cannot do OAuth, going back would only fail again. */}
        {oauthUnavailable ? null : (
          <button type="button" className="ghost" onClick={() => onOAuth(typedAccount(form.current))}>
            Sign in with Bluesky instead
          </button>
        )}
      </div>
    </form>
  );
}

/**
 * The server to sign a Bluesky channel in again at: its own PDS when self-hosted. Accounts hosted by
 * Bluesky (bsky.social, whose PDSes are *.bsky.network) are found from the handle alone.
 */
export function blueskyServerOf(channel: Pick<Channel, 'serviceUrl'>): string | undefined {
  if (!channel.serviceUrl) return undefined;
  try {
    const host = new URL(channel.serviceUrl).hostname;
    if (host === 'bsky.social' || host.endsWith('.bsky.network')) return undefined;
  } catch {
    return undefined;
  }
  return channel.serviceUrl;
}

/** A Bluesky handle, typed as it is written (no capitals or corrections from the keyboard). */
function HandleField(props: {
  defaultValue: string | undefined;
  error: string | undefined;
  required?: boolean;
}) {
  return (
    <Field
      label="Handle"
      name="handle"
      placeholder="yourname.bsky.social"
      autoCapitalize="none"
      autoCorrect="off"
      spellCheck={false}
      {...props}
    />
  );
}
