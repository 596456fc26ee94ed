import { type FormEvent, useState } from 'react';
import { api } from '../../api/client.ts';
import type { ApiToken, Webhook } from '../../api/types.ts';
import { Field, FormError, formText, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';

/** Personal API tokens: the secret is shown once, right after it is created. */
export function TokensPanel() {
  const tokens = useResource(
    async (signal) => (await api<{ tokens: ApiToken[] }>('/api/tokens', { signal })).tokens,
    [],
  );
  const submission = useSubmission();
  const [secret, setSecret] = useState<string | null>(null);
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const days = formText(form, 'expiresInDays').trim();
    const created = await submission.run(() =>
      api<{ token: string }>('/api/tokens', {
        body: { name: formText(form, 'name'), ...(days ? { expiresInDays: Number(days) } : {}) },
      }),
    );
    if (created) {
      setSecret(created.token);
      form.reset();
      await tokens.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {secret ? (
        <div className="notice ok" role="status">
          Copy this token now; it is not shown again:
          <code className="secret">{secret}</code>
        </div>
      ) : null}
      <ul>
        {tokens.data?.map((token) => (
          <li key={token.id}>
            <strong>{token.name}</strong>{' '}
            <span className="muted">
              {token.prefix}… · {token.scopes.join(', ')}
            </span>{' '}
            <button
              type="button"
              className="ghost small danger"
              onClick={() =>
                void api(`/api/tokens/${token.id}`, { method: 'DELETE' }).then(() => tokens.reload())
              }
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={create} noValidate aria-label="New API token">
        <Field label="Token name" name="name" placeholder="Zapier" error={submission.fieldErrors.name} />
        <Field
          label="Expires after (days, optional)"
          name="expiresInDays"
          inputMode="numeric"
          error={submission.fieldErrors.expiresInDays}
        />
        <FormError message={submission.formError} />
        <button type="submit" disabled={submission.busy}>
          Create token
        </button>
      </form>
    </section>
  );
}

const EVENTS = ['post.published', 'post.failed', 'post.unconfirmed', 'channel.disconnected'];

/** Webhooks: an HTTPS address that receives the chosen events. */
export function WebhooksPanel({ orgId }: { orgId: string }) {
  const base = `/api/orgs/${orgId}/webhooks`;
  const hooks = useResource(
    async (signal) => (await api<{ webhooks: Webhook[] }>(base, { signal })).webhooks,
    [orgId],
  );
  const submission = useSubmission();
  const [secret, setSecret] = useState<string | null>(null);
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const events = new FormData(form).getAll('events').map(String);
    const created = await submission.run(() =>
      api<{ secret?: string }>(base, { body: { url: formText(form, 'url'), events } }),
    );
    if (created) {
      setSecret(created.secret ?? null);
      form.reset();
      await hooks.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      {secret ? (
        <div className="notice ok" role="status">
          Signing secret (shown once): <code className="secret">{secret}</code>
        </div>
      ) : null}
      {hooks.error ? <p className="muted">{hooks.error}</p> : null}
      <ul>
        {hooks.data?.map((hook) => (
          <li key={hook.id}>
            {hook.url} <span className="muted">{hook.events.join(', ')}</span>{' '}
            <button
              type="button"
              className="ghost small danger"
              onClick={() => void api(`${base}/${hook.id}`, { method: 'DELETE' }).then(() => hooks.reload())}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={create} noValidate aria-label="New webhook">
        <Field
          label="URL"
          name="url"
          placeholder="https://example.com/spool"
          error={submission.fieldErrors.url}
        />
        <fieldset className="chips">
          <legend>Events</legend>
          {EVENTS.map((name) => (
            <label key={name} className="chip">
              <input
                type="checkbox"
                name="events"
                value={name}
                defaultChecked={name !== 'post.unconfirmed'}
              />
              {name}
            </label>
          ))}
        </fieldset>
        {submission.fieldErrors.events ? (
          <p className="field-error" data-field-error="events">
            {submission.fieldErrors.events}
          </p>
        ) : null}
        <FormError message={submission.formError} />
        <button type="submit" disabled={submission.busy}>
          Add webhook
        </button>
      </form>
    </section>
  );
}
