import type { FaultSettings } from './faults.ts';
import type { DuplicateGroup, SimPost, SimStats } from './state.ts';

/** A typed client for the simulator's `/_sim/` API, for tests and benchmarks in other processes. */

export interface CreatedAccount {
  id: string;
  network: string;
  username: string;
  displayName: string;
  createdAt: number;
  accessToken: string;
  refreshToken: string | null;
  scope: string;
  expiresAt: string | null;
}

export class SimControlClient {
  constructor(private readonly url: string) {}

  createAccount(input: {
    network: string;
    username?: string;
    displayName?: string;
    tokenTtlSeconds?: number | null;
  }): Promise<CreatedAccount> {
    return this.call('POST', '/_sim/accounts', input);
  }

  async posts(
    filter: { network?: string; account?: string; includeDeleted?: boolean } = {},
  ): Promise<SimPost[]> {
    const query = new URLSearchParams();
    if (filter.network !== undefined) query.set('network', filter.network);
    if (filter.account !== undefined) query.set('account', filter.account);
    if (filter.includeDeleted !== undefined) query.set('includeDeleted', String(filter.includeDeleted));
    const body = await this.call<{ posts: SimPost[] }>('GET', `/_sim/posts?${query}`);
    return body.posts;
  }

  stats(): Promise<SimStats> {
    return this.call('GET', '/_sim/stats');
  }

  async duplicates(): Promise<DuplicateGroup[]> {
    return (await this.call<{ groups: DuplicateGroup[] }>('GET', '/_sim/duplicates')).groups;
  }

  setFaults(settings: FaultSettings): Promise<FaultSettings> {
    return this.call('POST', '/_sim/faults', settings);
  }

  async expireTokens(target: { token: string } | { account: string }): Promise<number> {
    return (await this.call<{ expired: number }>('POST', '/_sim/tokens/expire', target)).expired;
  }

  async reset(): Promise<void> {
    await this.call('POST', '/_sim/reset');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json as T;
  }
}
