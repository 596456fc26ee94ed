import { createHash } from 'node:crypto';
import type { Sql, TransactionSql } from '../../db/connection.ts';
import { displayPrefix, hashToken, newToken, safeEqual } from '../../security/tokens.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';
import { findActiveClient, type OAuthClient } from './oauth-clients.ts';
import { SCOPES, type Scope } from './roles.ts';

/**
 * The OAuth 2 authorization-code grant with PKCE (RFC 6749 §4.1, RFC 7636), refresh-token rotation
 * and token revocation (RFC 7009). Codes and tokens are stored as SHA-256 hashes only.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
export const REFRESH_TOKEN_TTL_DAYS = 60;
export const DEFAULT_OAUTH_SCOPES: readonly Scope[] = ['read', 'write'];

/** The error codes of RFC 6749 §4.1.2.1 and §5.2. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied';

/** An error the OAuth protocol defines; the HTTP edge answers it in the protocol's own format. */
export class OAuthProtocolError extends SpoolError {
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
  ) {
    super(`oauth.${error}`, description, error === 'invalid_client' ? 'unauthenticated' : 'invalid');
  }
}

/** Parses a space-separated scope list (RFC 6749 §3.3); undefined when it names an unknown scope. */
export function parseScope(scope: string | undefined): Scope[] | undefined {
  const requested = (scope ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) return [...DEFAULT_OAUTH_SCOPES];
  if (!requested.every((s): s is Scope => (SCOPES as readonly string[]).includes(s))) return undefined;
  return SCOPES.filter((s) => requested.includes(s));
}

/** `uri` with parameters added to its query, keeping the query it already has (RFC 6749 §3.1.2). */
export function redirectWith(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

export interface AuthorizationParams {
  response_type?: string | undefined;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: Scope[];
  state: string | undefined;
  codeChallenge: string | undefined;
}

/** A valid request, or where to send the person back with an error (RFC 6749 §4.1.2.1). */
export type AuthorizationCheck =
  | { ok: true; request: AuthorizationRequest }
  | { ok: false; redirect: string };

// BASE64URL(SHA-256(verifier)) is always 43 characters (RFC 7636 §4.2).
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * Checks an authorization request. A bad client or redirect URI throws (the page shows it: we never
 * redirect to an address we could not verify); any other problem is reported to the app.
 */
export async function checkAuthorizationRequest(
  sql: Sql,
  params: AuthorizationParams,
): Promise<AuthorizationCheck> {
  const client = params.client_id ? await findActiveClient(sql, params.client_id) : undefined;
  if (!client) {
    throw new SpoolError(
      'oauth.client_not_found',
      'The app that sent you here is not registered with Spool (its client_id is missing, wrong or removed). Tell the app’s developer.',
      'invalid',
    );
  }
  const redirectUri =
    params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (redirectUri === undefined) {
    throw new SpoolError(
      'oauth.redirect_uri_required',
      `“${client.name}” has several redirect URIs registered, and this link does not say which one to use (redirect_uri). Tell the app’s developer.`,
      'invalid',
    );
  }
  if (!client.redirectUris.includes(redirectUri)) {
    throw new SpoolError(
      'oauth.redirect_uri_mismatch',
      `This link would send you back to an address that “${client.name}” has not registered, so Spool will not follow it. Tell the app’s developer.`,
      'invalid',
    );
  }
  const fail = (error: OAuthErrorCode, description: string): AuthorizationCheck => ({
    ok: false,
    redirect: redirectWith(redirectUri, { error, error_description: description, state: params.state }),
  });
  if (!params.response_type) return fail('invalid_request', 'response_type is required.');
  if (params.response_type !== 'code') {
    return fail('unsupported_response_type', 'Only response_type=code is supported.');
  }
  const scopes = parseScope(params.scope);
  if (!scopes) return fail('invalid_scope', `scope must list values among: ${SCOPES.join(' ')}.`);
  const challenge = params.code_challenge;
  const method = params.code_challenge_method;
  if (challenge === undefined && method !== undefined) {
    return fail('invalid_request', 'code_challenge_method was sent without code_challenge.');
  }
  if (challenge !== undefined) {
    // An absent method means "plain" (RFC 7636 §4.3), which lets an eavesdropper redeem the code.
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
    if (!S256_CHALLENGE.test(challenge)) {
      return fail('invalid_request', 'code_challenge must be the 43-character BASE64URL of a SHA-256 hash.');
    }
  } else if (!client.confidential) {
    return fail('invalid_request', 'This client is public: PKCE is required (code_challenge with S256).');
  }
  return {
    ok: true,
    request: { client, redirectUri, scopes, state: params.state, codeChallenge: challenge },
  };
}

/** The person approved: issues a single-use code (60 s) and returns where to send them. */
export async function approveAuthorization(
  sql: Sql,
  userId: string,
  request: AuthorizationRequest,
  origin: RequestOrigin = {},
): Promise<string> {
  const code = newToken('code');
  await sql.begin(async (tx) => {
    await tx`
      insert into oauth_authorization_codes
        (code_hash, client_id, user_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at)
      values (${hashToken(code)}, ${request.client.id}, ${userId}, ${request.redirectUri}, ${request.scopes},
              ${request.codeChallenge ?? null}, ${request.codeChallenge ? 'S256' : null},
              now() + make_interval(secs => ${AUTHORIZATION_CODE_TTL_SECONDS}))`;
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'oauth.authorized',
      actorUserId: userId,
      subjectUserId: userId,
      details: {
        clientId: request.client.clientId,
        name: request.client.name,
        scope: request.scopes.join(' '),
      },
      origin,
    });
  });
  return redirectWith(request.redirectUri, { code, state: request.state });
}

/** The person declined: where to send them (RFC 6749 §4.1.2.1). */
export function denyAuthorization(request: AuthorizationRequest): string {
  return redirectWith(request.redirectUri, {
    error: 'access_denied',
    error_description: 'The person declined to give this app access.',
    state: request.state,
  });
}

export interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
}

/** Authenticates the client at the token and revocation endpoints (RFC 6749 §2.3). */
export async function authenticateClient(sql: Sql, credentials: ClientCredentials): Promise<OAuthClient> {
  const client = credentials.clientId ? await findActiveClient(sql, credentials.clientId) : undefined;
  const secret = credentials.clientSecret;
  if (!client) throw new OAuthProtocolError('invalid_client', 'Unknown or removed client_id.');
  if (client.secretHash === null) {
    if (secret !== undefined) {
      throw new OAuthProtocolError('invalid_client', 'This client is public and has no secret; send none.');
    }
    return client;
  }
  if (secret === undefined) {
    throw new OAuthProtocolError(
      'invalid_client',
      'This client is confidential: authenticate with its secret.',
    );
  }
  if (!safeEqual(hashToken(secret).toString('hex'), client.secretHash.toString('hex'))) {
    throw new OAuthProtocolError('invalid_client', 'The client secret is not right.');
  }
  return client;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

type Outcome = { tokens: TokenResponse } | { error: OAuthProtocolError };

/** Redeems an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6). */
export async function exchangeAuthorizationCode(
  sql: Sql,
  client: OAuthClient,
  input: { code: string; redirectUri: string | undefined; codeVerifier: string | undefined },
): Promise<TokenResponse> {
  const outcome = await sql.begin(async (tx): Promise<Outcome> => {
    const [row] = await tx<CodeRow[]>`
      select client_id, user_id, redirect_uri, scopes, code_challenge, used_at, expires_at <= now() as expired
      from oauth_authorization_codes where code_hash = ${hashToken(input.code)} for update`;
    if (!row || row.client_id !== client.id) return invalidGrant('The authorization code is not valid.');
    if (row.used_at) {
      // A second redemption means the code leaked: end what the first one started (RFC 6749 §4.1.2).
      await revokeClientAccess(tx, client.id, row.user_id);
      return invalidGrant('The authorization code was already used; the tokens issued for it are revoked.');
    }
    if (row.expired)
      return invalidGrant('The authorization code has expired; start the authorization again.');
    // The redirect URI may be omitted only when the client has just one, so it cannot differ.
    const redirectUri = input.redirectUri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : '');
    if (redirectUri !== row.redirect_uri) {
      return invalidGrant('redirect_uri does not match the one used in the authorization request.');
    }
    const pkceProblem = verifyPkce(row.code_challenge, input.codeVerifier);
    if (pkceProblem) return { error: pkceProblem };
    await tx`update oauth_authorization_codes set used_at = now() where code_hash = ${hashToken(input.code)}`;
    return { tokens: await issueTokens(tx, client, row.user_id, row.scopes, row.scopes) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.tokens;
}

/** Rotates a refresh token (RFC 6749 §6): the old one is revoked, a new pair is issued. */
export async function refreshAccessToken(
  sql: Sql,
  client: OAuthClient,
  input: { refreshToken: string; scope: string | undefined },
): Promise<TokenResponse> {
  const outcome = await sql.begin(async (tx): Promise<Outcome> => {
    const [row] = await tx<RefreshRow[]>`
      select client_id, user_id, scopes, revoked_at, expires_at <= now() as expired
      from oauth_refresh_tokens where token_hash = ${hashToken(input.refreshToken)} for update`;
    if (!row || row.client_id !== client.id) return invalidGrant('The refresh token is not valid.');
    if (row.revoked_at) {
      // A rotated-out token came back: either the client or a thief holds a copy. Without knowing
      // which, end every grant this client holds for this person; they can authorize it again.
      await revokeClientAccess(tx, client.id, row.user_id);
      return invalidGrant(
        'The refresh token was already used or revoked; this app must be authorized again.',
      );
    }
    if (row.expired) return invalidGrant('The refresh token has expired; authorize the app again.');
    let scopes = row.scopes;
    if (input.scope) {
      const requested = parseScope(input.scope);
      if (!requested?.every((s) => row.scopes.includes(s))) {
        return {
          error: new OAuthProtocolError(
            'invalid_scope',
            `scope may only narrow the granted scopes (${row.scopes.join(' ')}).`,
          ),
        };
      }
      scopes = requested;
    }
    await tx`update oauth_refresh_tokens set revoked_at = now()
             where token_hash = ${hashToken(input.refreshToken)}`;
    // The new refresh token keeps the whole grant; only this access token is narrowed (RFC 6749 §6).
    return { tokens: await issueTokens(tx, client, row.user_id, scopes, row.scopes) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.tokens;
}

/**
 * Revokes an access or refresh token held by `client` (RFC 7009). An unknown token is not an error
 * (§2.2); a refresh token takes the access token issued with it along.
 */
export async function revokeOAuthToken(sql: Sql, client: OAuthClient, token: string): Promise<void> {
  const hash = hashToken(token);
  const [refresh] = await sql<{ client_id: string; access_token_id: string | null }[]>`
    select client_id, access_token_id from oauth_refresh_tokens where token_hash = ${hash}`;
  const [access] = refresh
    ? []
    : await sql<{ client_id: string }[]>`
        select oauth_client_id as client_id from api_tokens where token_hash = ${hash} and kind = 'oauth'`;
  const owner = refresh?.client_id ?? access?.client_id;
  if (owner === undefined) return;
  if (owner !== client.id) {
    throw new OAuthProtocolError('invalid_grant', 'This token was not issued to this client.');
  }
  await sql.begin(async (tx) => {
    if (refresh) {
      await tx`update oauth_refresh_tokens set revoked_at = coalesce(revoked_at, now()) where token_hash = ${hash}`;
      if (refresh.access_token_id) {
        await tx`update api_tokens set revoked_at = coalesce(revoked_at, now())
                 where id = ${refresh.access_token_id}`;
      }
    } else {
      await tx`update api_tokens set revoked_at = coalesce(revoked_at, now()) where token_hash = ${hash}`;
    }
  });
}

function invalidGrant(description: string): Outcome {
  return { error: new OAuthProtocolError('invalid_grant', description) };
}

function verifyPkce(challenge: string | null, verifier: string | undefined): OAuthProtocolError | undefined {
  if (challenge === null) {
    // A verifier for a code issued without a challenge means someone swapped the code (a downgrade).
    return verifier === undefined
      ? undefined
      : new OAuthProtocolError('invalid_grant', 'This code was issued without PKCE; send no code_verifier.');
  }
  if (verifier === undefined) return new OAuthProtocolError('invalid_request', 'code_verifier is required.');
  if (!CODE_VERIFIER.test(verifier)) {
    return new OAuthProtocolError('invalid_request', 'code_verifier must be 43–128 unreserved characters.');
  }
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return safeEqual(computed, challenge)
    ? undefined
    : new OAuthProtocolError('invalid_grant', 'code_verifier does not match the code_challenge.');
}

async function issueTokens(
  tx: TransactionSql,
  client: OAuthClient,
  userId: string,
  scopes: Scope[],
  grantScopes: Scope[],
): Promise<TokenResponse> {
  const accessToken = newToken('oat');
  const refreshToken = newToken('ort');
  const [access] = await tx<{ id: string }[]>`
    insert into api_tokens (user_id, kind, oauth_client_id, name, token_hash, display_prefix, scopes, expires_at)
    values (${userId}, 'oauth', ${client.id}, ${client.name}, ${hashToken(accessToken)},
            ${displayPrefix(accessToken)}, ${scopes}, now() + make_interval(secs => ${ACCESS_TOKEN_TTL_SECONDS}))
    returning id`;
  await tx`
    insert into oauth_refresh_tokens (token_hash, client_id, user_id, scopes, access_token_id, expires_at)
    values (${hashToken(refreshToken)}, ${client.id}, ${userId}, ${grantScopes}, ${access!.id},
            now() + make_interval(days => ${REFRESH_TOKEN_TTL_DAYS}))`;
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
    scope: scopes.join(' '),
  };
}

/**
 * Ends every token a client holds for a person. The schema does not link tokens to the grant that
 * issued them, so on suspected theft we revoke all of that client's access for this person.
 */
async function revokeClientAccess(tx: TransactionSql, clientId: string, userId: string): Promise<void> {
  await tx`update api_tokens set revoked_at = now()
           where oauth_client_id = ${clientId} and user_id = ${userId} and revoked_at is null`;
  await tx`update oauth_refresh_tokens set revoked_at = now()
           where client_id = ${clientId} and user_id = ${userId} and revoked_at is null`;
}

interface CodeRow {
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: Scope[];
  code_challenge: string | null;
  used_at: Date | null;
  expired: boolean;
}

interface RefreshRow {
  client_id: string;
  user_id: string;
  scopes: Scope[];
  revoked_at: Date | null;
  expired: boolean;
}
