import type { Scope } from '../../domain/accounts/roles.ts';

/**
 * The OAuth consent screen and its error page: plain server-rendered HTML with no script (the CSP
 * allows only our own scripts), every value escaped. The form re-posts the request's parameters,
 * which the server checks again; it trusts nothing it rendered.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'See your organizations, channels, queues, posts and analytics',
  write: 'Write, schedule and publish posts and manage channels, as far as your role allows',
  admin: 'Manage members, roles and organization settings, as far as your role allows',
};

export interface ConsentPageInput {
  clientName: string;
  /** Where the person goes afterwards; shown so that a look-alike app name cannot hide it. */
  redirectUri: string;
  userEmail: string;
  scopes: readonly Scope[];
  csrfToken: string;
  /** The authorization request's parameters, sent back with the decision. */
  params: Record<string, string | undefined>;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const hidden = Object.entries({ ...input.params, csrf_token: input.csrfToken })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[s])}</li>`).join('\n        ');
  const destination = new URL(input.redirectUri);
  return page(
    `Authorize ${input.clientName}`,
    `<h1>Allow <strong>${escapeHtml(input.clientName)}</strong> to use your Spool account?</h1>
    <p class="muted">Signed in as ${escapeHtml(input.userEmail)}</p>
    <p>This app will be able to:</p>
    <ul>
        ${scopes}
    </ul>
    <p class="muted">Afterwards you will be sent to <strong>${escapeHtml(destination.origin)}</strong>.
      You can remove this app’s access at any time in your Spool settings.</p>
    <form method="post" action="/oauth/authorize">
      ${hidden}
      <button type="submit" name="decision" value="approve" class="primary">Allow</button>
      <button type="submit" name="decision" value="deny">Cancel</button>
    </form>`,
  );
}

export function renderAuthorizeErrorPage(message: string): string {
  return page(
    'Cannot authorize this app',
    `<h1>This app cannot be authorized</h1>
    <p>${escapeHtml(message)}</p>
    <p><a href="/">Back to Spool</a></p>`,
  );
}

/**
 * The page's Content-Security-Policy: the global one with the redirect URI's origin added to
 * form-action, because Chrome applies form-action to the redirect that follows the form's POST.
 */
export function consentContentSecurityPolicy(globalPolicy: string, redirectUri: string): string {
  const { origin } = new URL(redirectUri);
  // Registered redirect URIs have plain hosts; refuse anything that could break out of the header.
  if (!/^https?:\/\/[a-z0-9.[\]:-]+$/.test(origin)) return globalPolicy;
  const directives = (globalPolicy || "default-src 'self';frame-ancestors 'none';form-action 'self'")
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  const formAction = directives.findIndex((d) => d.startsWith('form-action'));
  if (formAction === -1) directives.push(`form-action 'self' ${origin}`);
  else directives[formAction] = `${directives[formAction]} ${origin}`;
  return directives.join(';');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Spool</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; color: #1f2328; background: #f6f8fa; margin: 0; }
    main { max-width: 28rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 12px;
           box-shadow: 0 1px 3px rgba(0, 0, 0, .12); }
    h1 { font-size: 1.25rem; margin-top: 0; }
    .muted { color: #57606a; font-size: .9rem; }
    button { font: inherit; padding: .5rem 1.25rem; border-radius: 6px; border: 1px solid #d0d7de;
             background: #f6f8fa; cursor: pointer; margin-right: .5rem; }
    button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
  </style>
</head>
<body>
  <main>
    ${body}
  </main>
</body>
</html>
`;
}
