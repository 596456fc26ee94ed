import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Channel } from '../../api/types.ts';
import { Field, FormError, formText, SelectField, useSubmission } from '../../ui/forms.tsx';
import { NETWORK_CHOICES } from '../../ui/networks.ts';
import { type AppPasswordFallback, BlueskyConnect } from './BlueskyConnect.tsx';

type Method = 'bluesky' | 'mastodon' | 'other';

/** Connecting a channel: Bluesky (OAuth, or an app password), Mastodon (sign in on the instance), or by token. */
export function ConnectChannel({
  orgId,
  onConnected,
  appPasswordFallback,
}: {
  orgId: string;
  onConnected(channel: Channel): void;
  /** Set when reconnecting a Bluesky channel found OAuth unavailable: opens the app-password form. */
  appPasswordFallback?: AppPasswordFallback | null;
}) {
  const [method, setMethod] = useState<Method | null>(null);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!appPasswordFallback) return;
    setMethod('bluesky');
    section.current?.scrollIntoView({ block: 'start' });
  }, [appPasswordFallback]);
  return (
    <section className="card" aria-labelledby="connect-heading" ref={section}>
      <h2 id="connect-heading">Connect a channel</h2>
      <fieldset className="button-row plain">
        <legend className="sr-only">How to connect</legend>
        <button type="button" aria-pressed={method === 'bluesky'} onClick={() => setMethod('bluesky')}>
          Connect Bluesky
        </button>
        <button type="button" aria-pressed={method === 'mastodon'} onClick={() => setMethod('mastodon')}>
          Connect Mastodon
        </button>
        <button type="button" aria-pressed={method === 'other'} onClick={() => setMethod('other')}>
          Add with an access token
        </button>
      </fieldset>
      {method === 'bluesky' ? (
        <BlueskyConnect
          key={appPasswordFallback?.id ?? 'start'}
          orgId={orgId}
          onConnected={onConnected}
          fallback={appPasswordFallback ?? null}
        />
      ) : null}
      {method === 'mastodon' ? <MastodonForm orgId={orgId} /> : null}
      {method === 'other' ? <TokenChannelForm orgId={orgId} onConnected={onConnected} /> : null}
    </section>
  );
}

function MastodonForm({ orgId }: { orgId: string }) {
  const submission = useSubmission();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const started = await submission.run(() =>
      api<{ authorizeUrl: string }>(`/api/orgs/${orgId}/channels/mastodon/authorize`, {
        body: { instanceUrl: formText(form, 'instanceUrl') },
      }),
    );
    // The instance asks the person to allow Spool, then sends the browser back to /channels.
    if (started) window.location.assign(started.authorizeUrl);
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Connect Mastodon">
      <Field
        label="Your Mastodon server"
        name="instanceUrl"
        placeholder="mastodon.social"
        required
        error={submission.fieldErrors.instanceUrl}
      />
      <FormError message={submission.formError} />
      <button className="primary" type="submit" disabled={submission.busy}>
        Continue to Mastodon
      </button>
    </form>
  );
}

/** For networks whose sign-in flow is not built in yet: an account id, a handle and a token. */
function TokenChannelForm({ orgId, onConnected }: { orgId: string; onConnected(channel: Channel): void }) {
  const submission = useSubmission();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const handle = formText(form, 'handle').trim();
    const serviceUrl = formText(form, 'serviceUrl').trim();
    const accessToken = formText(form, 'accessToken');
    const channel = await submission.run(() =>
      api<Channel>(`/api/orgs/${orgId}/channels`, {
        idempotent: true,
        body: {
          network: formText(form, 'network'),
          handle,
          accountId: formText(form, 'accountId').trim() || handle,
          ...(serviceUrl ? { serviceUrl } : {}),
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
          ...(accessToken ? { credentials: { accessToken } } : {}),
        },
      }),
    );
    if (channel) {
      form.reset();
      onConnected(channel);
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Add a channel with an access token">
      <SelectField
        label="Network"
        name="network"
        defaultValue="mastodon"
        error={submission.fieldErrors.network}
      >
        {NETWORK_CHOICES.map((network) => (
          <option key={network.id} value={network.id}>
            {network.name}
          </option>
        ))}
      </SelectField>
      <Field
        label="Handle"
        name="handle"
        placeholder="@yourshop"
        required
        error={submission.fieldErrors.handle}
      />
      <Field
        label="Account id (optional)"
        name="accountId"
        hint="The network's id for the account; the handle is used when empty."
        error={submission.fieldErrors.accountId}
      />
      <Field
        label="Service URL"
        name="serviceUrl"
        placeholder="https://…"
        error={submission.fieldErrors.serviceUrl}
      />
      <Field
        label="Access token"
        name="accessToken"
        type="password"
        autoComplete="off"
        error={submission.fieldErrors.credentials ?? submission.fieldErrors['credentials.accessToken']}
      />
      <FormError message={submission.formError} />
      <button className="primary" type="submit" disabled={submission.busy}>
        Add channel
      </button>
    </form>
  );
}
