import type { SimState } from '../state.ts';
import type { Reply, RouteContext } from './network.ts';

/**
 * The browser leg of OAuth 2 for every network, auto-approved: the user is the account named by
 * `login_hint` (id or username), else the newest account of that network, else a new one.
 * Redirects to `redirect_uri` with `code` and `state`, as a real consent screen would.
 */
export function authorizeAndRedirect(state: SimState, network: string, ctx: RouteContext): Reply {
  const redirectUri = ctx.query.get('redirect_uri');
  if (redirectUri === null || ctx.query.get('response_type') !== 'code') {
    return {
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'redirect_uri and response_type=code are required',
      },
    };
  }
  const hint = ctx.query.get('login_hint');
  const credentials = state.credentials;
  const account =
    (hint === null ? credentials.latestAccount(network) : credentials.findAccount(hint, network)) ??
    credentials.createAccount(network, hint ?? undefined);
  const code = credentials.issueCode(account, ctx.query.get('scope') ?? 'read write');
  // Out-of-band clients are shown the code instead of being redirected.
  if (redirectUri === 'urn:ietf:wg:oauth:2.0:oob') return { status: 200, body: { code } };
  let location: URL;
  try {
    location = new URL(redirectUri);
  } catch {
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: 'redirect_uri is not a URL' },
    };
  }
  location.searchParams.set('code', code);
  const clientState = ctx.query.get('state');
  if (clientState !== null) location.searchParams.set('state', clientState);
  return { status: 302, headers: { location: location.toString() }, body: '' };
}
