import { randomBytes } from 'node:crypto';

/** Accounts, OAuth clients, authorization codes and bearer tokens of every simulated network. */

export interface SimAccount {
  id: string;
  network: string;
  username: string;
  displayName: string;
  createdAt: number;
}

export interface SimToken {
  accessToken: string;
  refreshToken: string | null;
  accountId: string;
  network: string;
  scope: string;
  createdAt: number;
  /** null: never expires by time. */
  expiresAt: number | null;
  /** Set by an expired-token fault or the control API. */
  expired: boolean;
}

export interface OAuthClient {
  network: string;
  id: string;
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  scopes: string;
}

export interface TokenOptions {
  scope?: string;
  ttlSeconds?: number | null;
  withRefresh?: boolean;
}

function secret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class CredentialStore {
  private readonly accounts = new Map<string, SimAccount>();
  private readonly tokens = new Map<string, SimToken>();
  private readonly refreshTokens = new Map<string, SimToken>();
  private readonly codes = new Map<string, { accountId: string; network: string; scope: string }>();
  private readonly clients = new Map<string, OAuthClient>();
  private accountSeq = 0;

  constructor(private readonly now: () => number) {}

  createAccount(network: string, username?: string, displayName?: string): SimAccount {
    const seq = ++this.accountSeq;
    const id = String(109_000_000_000 + seq);
    const name = username ?? `user${seq}`;
    const account = { id, network, username: name, displayName: displayName ?? name, createdAt: this.now() };
    this.accounts.set(id, account);
    return account;
  }

  account(id: string): SimAccount | undefined {
    return this.accounts.get(id);
  }

  /** By id or by username. */
  findAccount(idOrUsername: string, network?: string): SimAccount | undefined {
    const byId = this.accounts.get(idOrUsername);
    if (byId !== undefined && (network === undefined || byId.network === network)) return byId;
    for (const a of this.accounts.values()) {
      if (a.username === idOrUsername && (network === undefined || a.network === network)) return a;
    }
    return undefined;
  }

  listAccounts(network?: string): SimAccount[] {
    const all = [...this.accounts.values()];
    return network === undefined ? all : all.filter((a) => a.network === network);
  }

  latestAccount(network: string): SimAccount | undefined {
    let latest: SimAccount | undefined;
    for (const a of this.accounts.values()) if (a.network === network) latest = a;
    return latest;
  }

  issueToken(account: SimAccount, options: TokenOptions = {}): SimToken {
    const createdAt = this.now();
    const ttl = options.ttlSeconds ?? null;
    const token: SimToken = {
      accessToken: secret(24),
      refreshToken: options.withRefresh ? secret(24) : null,
      accountId: account.id,
      network: account.network,
      scope: options.scope ?? 'read write',
      createdAt,
      expiresAt: ttl === null ? null : createdAt + ttl * 1000,
      expired: false,
    };
    this.tokens.set(token.accessToken, token);
    if (token.refreshToken !== null) this.refreshTokens.set(token.refreshToken, token);
    return token;
  }

  token(accessToken: string): SimToken | undefined {
    return this.tokens.get(accessToken);
  }

  isExpired(token: SimToken, now: number): boolean {
    return token.expired || (token.expiresAt !== null && now >= token.expiresAt);
  }

  /** Exchanges a refresh token (single use) for a new access + refresh token pair. */
  refresh(network: string, refreshToken: string, ttlSeconds: number | null): SimToken | null {
    const old = this.refreshTokens.get(refreshToken);
    if (old === undefined || old.network !== network) return null;
    this.refreshTokens.delete(refreshToken);
    const account = this.accounts.get(old.accountId);
    if (account === undefined) return null;
    return this.issueToken(account, { scope: old.scope, ttlSeconds, withRefresh: true });
  }

  revoke(accessToken: string): boolean {
    const token = this.tokens.get(accessToken);
    if (token === undefined) return false;
    this.tokens.delete(accessToken);
    if (token.refreshToken !== null) this.refreshTokens.delete(token.refreshToken);
    return true;
  }

  /** Marks one token, or every token of an account, as expired. Returns how many. */
  expire(target: { accessToken?: string; accountId?: string }): number {
    let count = 0;
    for (const token of this.tokens.values()) {
      if (token.accessToken === target.accessToken || token.accountId === target.accountId) {
        token.expired = true;
        count++;
      }
    }
    return count;
  }

  issueCode(account: SimAccount, scope: string): string {
    const code = secret(16);
    this.codes.set(code, { accountId: account.id, network: account.network, scope });
    return code;
  }

  /** Authorization codes are single use. */
  redeemCode(network: string, code: string): { account: SimAccount; scope: string } | null {
    const entry = this.codes.get(code);
    if (entry === undefined || entry.network !== network) return null;
    this.codes.delete(code);
    const account = this.accounts.get(entry.accountId);
    return account === undefined ? null : { account, scope: entry.scope };
  }

  registerClient(network: string, name: string, redirectUris: string[], scopes: string): OAuthClient {
    const client: OAuthClient = {
      network,
      id: String(this.clients.size + 1),
      clientId: secret(24),
      clientSecret: secret(24),
      name,
      redirectUris,
      scopes,
    };
    this.clients.set(client.clientId, client);
    return client;
  }

  client(clientId: string): OAuthClient | undefined {
    return this.clients.get(clientId);
  }

  clear(): void {
    this.accounts.clear();
    this.tokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.clients.clear();
    this.accountSeq = 0;
  }
}
