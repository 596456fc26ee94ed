import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { Field, FormError, formText, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';
import './settings.css';

/** An app this person registered (field names follow OAuth's client metadata, as the API sends them). */
interface OAuthApp {
  client_id: string;
  name: string;
  redirect_uris: string[];
  confidential: boolean;
  created_at: string;
}

/** The answer to a registration: the only time a confidential app's secret is ever sent. */
interface RegisteredApp extends OAuthApp {
  client_secret?: string;
}

/** An app that this person allowed to act on their account. */
interface AuthorizedApp {
  client_id: string;
  name: string;
  scopes: string[];
  last_active_at: string;
}

/**
 * The server names a bad redirect URI by its position (`redirect_uris.1`); the form has one box
 * with a URI per line, so the message says which line.
 */
function redirectUrisError(fieldErrors: Record<string, string>): string | undefined {
  const key = Object.keys(fieldErrors).find((k) => k === 'redirect_uris' || k.startsWith('redirect_uris.'));
  if (!key) return undefined;
  const index = key.split('.')[1];
  return index === undefined ? fieldErrors[key] : `Line ${Number(index) + 1}: ${fieldErrors[key]}`;
}

/** Apps you build on Spool's API (register, see, delete), and apps you allowed into your account. */
export function OAuthAppsPanel() {
  const apps = useResource(
    async (signal) => (await api<{ clients: OAuthApp[] }>('/api/oauth/clients', { signal })).clients,
    [],
  );
  const authorized = useResource(
    async (signal) => (await api<{ apps: AuthorizedApp[] }>('/api/oauth/authorizations', { signal })).apps,
    [],
  );
  const [registered, setRegistered] = useState<RegisteredApp | null>(null);
  const actions = useSubmission();

  const removeApp = async (app: OAuthApp) => {
    if (!window.confirm(`Delete the app "${app.name}"? Every account connected through it loses access.`))
      return;
    await actions.run(() =>
      api(`/api/oauth/clients/${encodeURIComponent(app.client_id)}`, { method: 'DELETE' }),
    );
    if (registered?.client_id === app.client_id) setRegistered(null);
    await Promise.all([apps.reload(), authorized.reload()]);
  };
  const revoke = async (app: AuthorizedApp) => {
    if (!window.confirm(`End "${app.name}"’s access to your account?`)) return;
    await actions.run(() =>
      api(`/api/oauth/authorizations/${encodeURIComponent(app.client_id)}`, { method: 'DELETE' }),
    );
    await authorized.reload();
  };

  return (
    <section className="card" aria-labelledby="oauth-heading">
      <h2 id="oauth-heading">OAuth apps</h2>
      {registered ? <OneTimeCredentials app={registered} onDone={() => setRegistered(null)} /> : null}
      <FormError message={actions.formError} />

      <h3>Apps you registered</h3>
      {apps.error ? <p className="form-error">{apps.error}</p> : null}
      {apps.data?.length === 0 ? <p className="muted">You have not registered an app.</p> : null}
      <ul className="app-list" aria-label="Apps you registered">
        {apps.data?.map((app) => (
          <li key={app.client_id}>
            <div className="app-head">
              <strong>{app.name}</strong>
              <button type="button" className="ghost small danger" onClick={() => void removeApp(app)}>
                Delete <span className="sr-only">{app.name}</span>
              </button>
            </div>
            <span className="muted small">
              {app.confidential ? 'Server app (has a secret)' : 'Public app (PKCE, no secret)'} · Client ID{' '}
              <code>{app.client_id}</code>
            </span>
            <br />
            <span className="muted small">Redirects to {app.redirect_uris.join(', ')}</span>
          </li>
        ))}
      </ul>
      <RegisterAppForm
        onRegistered={async (app) => {
          setRegistered(app);
          await apps.reload();
        }}
      />

      <h3>Apps with access to your account</h3>
      {authorized.error ? <p className="form-error">{authorized.error}</p> : null}
      {authorized.data?.length === 0 ? <p className="muted">No app has access to your account.</p> : null}
      <ul className="app-list" aria-label="Apps with access to your account">
        {authorized.data?.map((app) => (
          <li key={app.client_id}>
            <div className="app-head">
              <strong>{app.name}</strong>
              <button type="button" className="ghost small danger" onClick={() => void revoke(app)}>
                Revoke access <span className="sr-only">of {app.name}</span>
              </button>
            </div>
            <span className="muted small">
              Can {app.scopes.join(', ')} · last active {new Date(app.last_active_at).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RegisterAppForm({ onRegistered }: { onRegistered: (app: RegisteredApp) => Promise<void> }) {
  const submission = useSubmission();
  const urisId = useId();
  const confidentialId = useId();
  const register = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const redirectUris = formText(form, 'redirect_uris')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const created = await submission.run(() =>
      api<RegisteredApp>('/api/oauth/clients', {
        body: {
          name: formText(form, 'name'),
          redirect_uris: redirectUris,
          confidential: new FormData(form).has('confidential'),
        },
      }),
    );
    if (!created) return;
    form.reset();
    await onRegistered(created);
  };
  const urisError = redirectUrisError(submission.fieldErrors);
  return (
    <form onSubmit={register} noValidate aria-label="Register an OAuth app">
      <Field
        label="App name"
        name="name"
        placeholder="My scheduling script"
        error={submission.fieldErrors.name}
      />
      <div className={`field${urisError ? ' field-invalid' : ''}`}>
        <label htmlFor={urisId}>Redirect URIs (one per line)</label>
        <textarea
          id={urisId}
          name="redirect_uris"
          rows={2}
          spellCheck={false}
          placeholder="https://app.example.com/callback"
          aria-invalid={urisError ? true : undefined}
          aria-describedby={urisError ? `${urisId}-error` : undefined}
        />
        {urisError ? (
          <p id={`${urisId}-error`} className="field-error" role="alert" data-field-error="redirect_uris">
            {urisError}
          </p>
        ) : null}
      </div>
      <div className="check-field">
        <input id={confidentialId} type="checkbox" name="confidential" defaultChecked />
        <label htmlFor={confidentialId}>It runs on a server and can keep a client secret</label>
      </div>
      <FormError message={submission.formError} />
      <button type="submit" disabled={submission.busy}>
        Register app
      </button>
    </form>
  );
}

/** The new app's id and secret: shown this once, focused so a screen reader reads it at once. */
function OneTimeCredentials({ app, onDone }: { app: RegisteredApp; onDone: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.focus();
  }, []);
  return (
    <div
      ref={box}
      tabIndex={-1}
      className="notice ok one-time-secret"
      role="status"
      aria-label="New app credentials"
    >
      <p>
        <strong>{app.name}</strong> is registered.{' '}
        {app.client_secret
          ? 'Copy its secret now: it is not shown again.'
          : 'It is a public app: it has no secret.'}
      </p>
      <dl>
        <dt>Client ID</dt>
        <dd>
          <code className="secret">{app.client_id}</code>
          <CopyButton text={app.client_id} what="client ID" />
        </dd>
        {app.client_secret ? (
          <>
            <dt>Client secret</dt>
            <dd>
              <code className="secret" data-testid="client-secret">
                {app.client_secret}
              </code>
              <CopyButton text={app.client_secret} what="client secret" />
            </dd>
          </>
        ) : null}
      </dl>
      <div>
        <button type="button" className="small" onClick={onDone}>
          Done, I have stored it
        </button>
      </div>
    </div>
  );
}

function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = () => {
    // The clipboard can be refused (permissions, an insecure origin): then say so, never throw.
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (!clipboard) {
      setState('failed');
      return;
    }
    clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <>
      <button type="button" className="small" onClick={copy}>
        {state === 'copied' ? 'Copied' : `Copy ${what}`}
      </button>
      {state === 'failed' ? (
        <span className="small">The browser refused to copy; select the text and copy it.</span>
      ) : null}
    </>
  );
}
