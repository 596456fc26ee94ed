import type { Dispatcher } from 'undici';
import type {
  MastodonApp,
  MastodonGrant,
  MastodonInstanceClient,
  MastodonProfile,
} from '../../domain/connections/connect-mastodon.ts';
import { SpoolError } from '../../domain/errors.ts';
import { type HttpRequest, isFailure, type NetworkResponse, sendRequest } from '../http-client.ts';
import { assertPublicInstance, blockedLiteralReason, instanceDispatcher } from './instance-address.ts';
import { bearer, errorText, hostOf, isSuccess, type MastodonAccount } from './mastodon-api.ts';

/**
 * The instance's side of connecting an account: POST /api/v1/apps, POST /oauth/token (authorization
 * code with the PKCE verifier), GET /api/v1/accounts/verify_credentials, POST /oauth/revoke.
 * Failures become SpoolErrors a person can act on (the instance is named, never a secret).
 */
export class MastodonInstanceHttpClient implements MastodonInstanceClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly settings: { allowPrivateAddresses: boolean; timeoutMs?: number }) {
    this.dispatcher = instanceDispatcher(settings.allowPrivateAddresses);
  }

  async checkInstance(instanceUrl: string): Promise<void> {
    const literal = blockedLiteralReason(instanceUrl, this.settings.allowPrivateAddresses);
    if (literal) {
      throw new SpoolError(
        'mastodon.instance_blocked',
        `Spool does not connect to this server: ${literal}.`,
        'invalid',
      );
    }
    await assertPublicInstance(instanceUrl, this.settings.allowPrivateAddresses);
  }

  async registerApp(
    instanceUrl: string,
    app: { clientName: string; redirectUri: string; scopes: string; website?: string },
  ): Promise<MastodonApp> {
    const res = await this.call(instanceUrl, {
      method: 'POST',
      url: `${instanceUrl}/api/v1/apps`,
      form: {
        client_name: app.clientName,
        redirect_uris: app.redirectUri,
        scopes: app.scopes,
        ...(app.website ? { website: app.website } : {}),
      },
    });
    const body = res.body as { client_id?: unknown; client_secret?: unknown };
    if (!isSuccess(res) || typeof body?.client_id !== 'string' || typeof body.client_secret !== 'string') {
      throw upstream(
        instanceUrl,
        `it did not register Spool as an app (${describe(res)})`,
        'mastodon.app_registration_failed',
      );
    }
    return { clientId: body.client_id, clientSecret: body.client_secret };
  }

  async exchangeCode(
    instanceUrl: string,
    app: MastodonApp,
    request: { code: string; redirectUri: string; codeVerifier: string; scopes: string },
  ): Promise<MastodonGrant> {
    const res = await this.call(instanceUrl, {
      method: 'POST',
      url: `${instanceUrl}/oauth/token`,
      form: {
        grant_type: 'authorization_code',
        code: request.code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: request.redirectUri,
        code_verifier: request.codeVerifier,
        scope: request.scopes,
      },
    });
    const body = res.body as {
      access_token?: unknown;
      refresh_token?: unknown;
      expires_in?: unknown;
      scope?: unknown;
      error?: unknown;
    };
    if (res.status === 401 || body?.error === 'invalid_client') {
      throw new SpoolError(
        'mastodon.app_rejected',
        `${hostOf(instanceUrl)} no longer knows Spool's app registration. Start connecting again; Spool will register anew.`,
        'invalid',
      );
    }
    if (!isSuccess(res) || typeof body?.access_token !== 'string') {
      throw new SpoolError(
        'mastodon.code_rejected',
        `${hostOf(instanceUrl)} did not accept the sign-in (${describe(res)}). Start connecting again.`,
        'invalid',
      );
    }
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
      expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : undefined,
      scope: typeof body.scope === 'string' ? body.scope : undefined,
    };
  }

  async verifyCredentials(instanceUrl: string, accessToken: string): Promise<MastodonProfile> {
    const res = await this.call(instanceUrl, {
      method: 'GET',
      url: `${instanceUrl}/api/v1/accounts/verify_credentials`,
      headers: bearer(accessToken),
    });
    const account = res.body as Partial<MastodonAccount>;
    if (
      !isSuccess(res) ||
      (typeof account?.id !== 'string' && typeof account?.id !== 'number') ||
      !account.username
    ) {
      throw upstream(
        instanceUrl,
        `it did not show the signed-in account (${describe(res)})`,
        'mastodon.account_unreadable',
      );
    }
    return {
      id: String(account.id),
      username: account.username,
      displayName: account.display_name || account.username,
      avatarUrl:
        typeof account.avatar === 'string' && /^https?:\/\//.test(account.avatar) ? account.avatar : null,
    };
  }

  async revokeToken(instanceUrl: string, app: MastodonApp, token: string): Promise<void> {
    const res = await this.call(instanceUrl, {
      method: 'POST',
      url: `${instanceUrl}/oauth/revoke`,
      form: { client_id: app.clientId, client_secret: app.clientSecret, token },
    });
    if (!isSuccess(res))
      throw upstream(instanceUrl, `it did not revoke the token (${describe(res)})`, 'mastodon.revoke_failed');
  }

  private async call(instanceUrl: string, request: HttpRequest): Promise<NetworkResponse> {
    const res = await sendRequest(
      { timeoutMs: this.settings.timeoutMs ?? 15_000, ...request },
      this.dispatcher,
    );
    if (isFailure(res)) {
      if (res.reason.startsWith('ESPOOLBLOCKED')) {
        throw new SpoolError(
          'mastodon.instance_blocked',
          `Spool does not connect to ${hostOf(instanceUrl)}: ${res.reason}`,
          'invalid',
        );
      }
      throw upstream(
        instanceUrl,
        `it could not be reached (${res.reason.split(':')[0]})`,
        'mastodon.instance_unreachable',
      );
    }
    return res;
  }
}

function describe(res: NetworkResponse): string {
  return res.status >= 200 && res.status < 300
    ? 'an unexpected answer'
    : `HTTP ${res.status}: ${errorText(res).slice(0, 200)}`;
}

function upstream(instanceUrl: string, what: string, code: string): SpoolError {
  return new SpoolError(
    code,
    `The Mastodon server ${hostOf(instanceUrl)} failed: ${what}. Check the address and try again.`,
    'upstream_failed',
  );
}
