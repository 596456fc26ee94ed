import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { NetworkCredentials } from '../../../ports/social-network.ts';
import { isFailure, sendRequest } from '../../http-client.ts';
import { assertPublicHost } from '../guarded-dispatcher.ts';
import type { XrpcSettings } from '../xrpc.ts';
import type { BlueskyClientKeys } from './client-keys.ts';
import {
  type AuthorizationServer,
  authorizationServerFor,
  BlueskyOAuthError,
  resolveDid,
  resolveHandle,
} from './discovery.ts';
import { dpopProof, generateDpopKey, nonceFor, rememberNonce, wantsNonce } from './dpop.ts';

/**
 * Spool as an AT Protocol OAuth client: pushed authorization request (PAR) with PKCE, DPoP-bound
 * tokens, and, when Spool is served over https, a confidential client authenticating with
 * `private_key_jwt` (sessions last as long as they are used). A Spool on http://127.0.0.1 is a
 * "loopback" public client, as the specification allows for software running on the person's own
 * machine. The client metadata document is served at `/oauth-client-metadata.json`.
 */
/** Only what publishing needs: write posts, upload images. */
export const BLUESKY_OAUTH_SCOPE = 'atproto repo:app.bsky.feed.post blob:image/*';
/** For servers from before permission scopes (they answer `invalid_scope` to the one above). */
const LEGACY_SCOPE = 'atproto transition:generic';
/** What Spool may ever ask for, as its client metadata declares. */
const DECLARED_SCOPE = `${BLUESKY_OAUTH_SCOPE} transition:generic`;
export const BLUESKY_CALLBACK_PATH = '/api/connections/bluesky/callback';
export const CLIENT_METADATA_PATH = '/oauth-client-metadata.json';

export interface ClientIdentity {
  clientId: string;
  redirectUri: string;
  authMethod: 'private_key_jwt' | 'none';
}

/** What the callback needs to finish: kept sealed in the pending connection until then. */
export interface PendingAuthorization extends ClientIdentity {
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint: string | undefined;
  keyId: string | undefined;
  codeVerifier: string;
  dpopKey: JWK;
}

export interface OAuthAccount {
  did: string;
  handle: string;
  pdsUrl: string;
  credentials: NetworkCredentials;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^dpop$/i),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  scope: z.string(),
  sub: z.string(),
});

export class BlueskyOAuthClient {
  constructor(
    private readonly options: { settings: XrpcSettings; keys: BlueskyClientKeys; plcUrl: string },
  ) {}

  /**
   * Who Spool is to the authorization server, given the address people reach it at; undefined
   * when that address can be neither (plain http on a public host).
   */
  identityFor(base: string): ClientIdentity | undefined {
    const url = new URL(base);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (url.protocol === 'https:' && !net.isIP(host)) {
      return {
        clientId: `${base}${CLIENT_METADATA_PATH}`,
        redirectUri: `${base}${BLUESKY_CALLBACK_PATH}`,
        authMethod: 'private_key_jwt',
      };
    }
    if (url.protocol === 'http:' && (host === '127.0.0.1' || host === '::1')) {
      const redirectUri = `${base}${BLUESKY_CALLBACK_PATH}`;
      const clientId = new URL('http://localhost');
      clientId.searchParams.set('redirect_uri', redirectUri);
      clientId.searchParams.set('scope', DECLARED_SCOPE);
      return { clientId: clientId.href, redirectUri, authMethod: 'none' };
    }
    return undefined;
  }

  /** The client metadata document for an https Spool (the authorization server fetches it). */
  clientMetadata(base: string): Record<string, unknown> | undefined {
    const identity = this.identityFor(base);
    if (identity?.authMethod !== 'private_key_jwt') return undefined;
    return {
      client_id: identity.clientId,
      client_name: 'Spool',
      client_uri: base,
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [identity.redirectUri],
      scope: DECLARED_SCOPE,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      jwks: this.options.keys.publicJwks(),
    };
  }

  /**
   * Finds the account's authorization server (from its handle, or from the server the person
   * named) and pushes the authorization request; the person's browser goes to the returned URL.
   */
  async authorize(input: {
    identity: ClientIdentity;
    handle: string | undefined;
    service: string;
    state: string;
  }): Promise<{ authorizationUrl: string; pending: PendingAuthorization }> {
    const { settings, plcUrl } = this.options;
    let server: AuthorizationServer;
    if (input.handle) {
      const did = await resolveHandle(input.handle, input.service, settings);
      const account = await resolveDid(did, plcUrl, settings);
      server = await authorizationServerFor(account.pdsUrl, settings);
    } else {
      server = await authorizationServerFor(input.service, settings);
    }
    const codeVerifier = randomBytes(32).toString('base64url');
    const pending: PendingAuthorization = {
      ...input.identity,
      issuer: server.issuer,
      tokenEndpoint: server.tokenEndpoint,
      revocationEndpoint: server.revocationEndpoint,
      keyId: input.identity.authMethod === 'private_key_jwt' ? this.options.keys.currentKeyId : undefined,
      codeVerifier,
      dpopKey: await generateDpopKey(),
    };
    const form: Record<string, string> = {
      response_type: 'code',
      redirect_uri: input.identity.redirectUri,
      scope: BLUESKY_OAUTH_SCOPE,
      state: input.state,
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(input.handle ? { login_hint: input.handle } : {}),
    };
    let res = await this.post(server.parEndpoint, form, pending);
    if (res.status === 400 && (res.body as { error?: unknown }).error === 'invalid_scope') {
      res = await this.post(server.parEndpoint, { ...form, scope: LEGACY_SCOPE }, pending);
    }
    const requestUri = (res.body as { request_uri?: unknown }).request_uri;
    if (res.status !== 201 && res.status !== 200) throw refused(res, server.issuer, 'the sign-in request');
    if (typeof requestUri !== 'string') {
      throw new BlueskyOAuthError(
        'not_a_pds',
        `${new URL(server.issuer).host} answered the sign-in request oddly`,
      );
    }
    const url = new URL(server.authorizationEndpoint);
    url.searchParams.set('client_id', input.identity.clientId);
    url.searchParams.set('request_uri', requestUri);
    return { authorizationUrl: url.href, pending };
  }

  /** Trades the callback's code for tokens and checks they are for an account of that server. */
  async complete(pending: PendingAuthorization, code: string): Promise<OAuthAccount> {
    const res = await this.post(
      pending.tokenEndpoint,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: pending.redirectUri,
        code_verifier: pending.codeVerifier,
      },
      pending,
    );
    const tokens = tokenResponse.safeParse(res.body);
    if (res.status !== 200 || !tokens.success) throw refused(res, pending.issuer, 'the sign-in');
    if (!tokens.data.scope.split(' ').includes('atproto')) {
      throw new BlueskyOAuthError('rejected', 'the server granted no AT Protocol access');
    }
    // The token names the account (sub); that account's own PDS must trust this very issuer,
    // or a rogue server could hand out tokens for someone else's DID.
    const account = await resolveDid(tokens.data.sub, this.options.plcUrl, this.options.settings);
    const server = await authorizationServerFor(account.pdsUrl, this.options.settings);
    if (server.issuer !== pending.issuer) {
      throw new BlueskyOAuthError('rejected', `${tokens.data.sub} is not an account of ${pending.issuer}`);
    }
    return {
      did: account.did,
      handle: account.handle ?? account.did,
      pdsUrl: account.pdsUrl,
      credentials: sessionCredentials(pending, tokens.data, account.handle ?? account.did),
    };
  }

  /** A new access token (and the refresh token that replaces the spent one). */
  async refresh(credentials: NetworkCredentials): Promise<NetworkCredentials> {
    const stored = storedSession.safeParse(credentials);
    if (!stored.success || !credentials.refreshToken)
      throw new Error('this Bluesky OAuth session is incomplete');
    const session = stored.data;
    const res = await this.post(
      session.tokenEndpoint,
      { grant_type: 'refresh_token', refresh_token: credentials.refreshToken },
      { ...session, keyId: session.keyId, dpopKey: session.dpopKey as JWK },
    );
    const tokens = tokenResponse.safeParse(res.body);
    if (res.status !== 200 || !tokens.success) throw refused(res, session.issuer, 'the session refresh');
    if (tokens.data.sub !== credentials.did) throw new Error('the refreshed session is for another account');
    const { expiresAt: _previous, ...rest } = credentials;
    return {
      ...rest,
      accessToken: tokens.data.access_token,
      refreshToken: tokens.data.refresh_token ?? credentials.refreshToken,
      ...(tokens.data.expires_in ? { expiresAt: expiry(tokens.data.expires_in) } : {}),
    };
  }

  /** A form POST to the authorization server with a DPoP proof (and the client's assertion). */
  private async post(
    endpoint: string,
    form: Record<string, string>,
    client: Pick<PendingAuthorization, 'clientId' | 'authMethod' | 'keyId' | 'issuer' | 'dpopKey'>,
  ) {
    const url = new URL(endpoint);
    try {
      assertPublicHost(url, this.options.settings.allowPrivateAddresses);
    } catch (error) {
      throw new BlueskyOAuthError('blocked', (error as Error).message);
    }
    for (let attempt = 0; ; attempt++) {
      const body: Record<string, string> = { ...form, client_id: client.clientId };
      if (client.authMethod === 'private_key_jwt') {
        body.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
        body.client_assertion = await this.options.keys.assertion(
          client.clientId,
          client.issuer,
          client.keyId ?? '',
        );
      }
      const dpop = await dpopProof(client.dpopKey, {
        method: 'POST',
        url: url.href,
        nonce: nonceFor(url.href),
      });
      const res = await sendRequest(
        {
          method: 'POST',
          url: url.href,
          form: body,
          headers: { dpop },
          timeoutMs: this.options.settings.timeoutMs,
        },
        this.options.settings.dispatcher,
      );
      if (isFailure(res)) {
        throw new BlueskyOAuthError('unreachable', `${url.host} did not answer (${res.reason})`);
      }
      rememberNonce(url.href, res.headers);
      if (attempt === 0 && wantsNonce(res.status, res.headers, res.body)) continue;
      return res;
    }
  }
}

const storedSession = z.object({
  auth: z.literal('oauth'),
  did: z.string(),
  issuer: z.string(),
  tokenEndpoint: z.string(),
  clientId: z.string(),
  authMethod: z.enum(['private_key_jwt', 'none']),
  keyId: z.string().optional(),
  dpopKey: z.record(z.string(), z.unknown()),
});

function sessionCredentials(
  pending: PendingAuthorization,
  tokens: z.infer<typeof tokenResponse>,
  handle: string,
): NetworkCredentials {
  return {
    auth: 'oauth',
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(tokens.expires_in ? { expiresAt: expiry(tokens.expires_in) } : {}),
    did: tokens.sub,
    handle,
    scope: tokens.scope,
    issuer: pending.issuer,
    tokenEndpoint: pending.tokenEndpoint,
    ...(pending.revocationEndpoint ? { revocationEndpoint: pending.revocationEndpoint } : {}),
    clientId: pending.clientId,
    authMethod: pending.authMethod,
    ...(pending.keyId ? { keyId: pending.keyId } : {}),
    dpopKey: pending.dpopKey,
  };
}

function expiry(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

function refused(res: { status: number; body: unknown }, issuer: string, what: string): BlueskyOAuthError {
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as {
    error?: unknown;
    error_description?: unknown;
  };
  const reason = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ');
  return new BlueskyOAuthError(
    res.status >= 500 ? 'unreachable' : 'rejected',
    `${new URL(issuer).host} refused ${what} (${reason.slice(0, 200) || `HTTP ${res.status}`})`,
  );
}
