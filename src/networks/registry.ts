import type { SocialNetwork } from '../ports/social-network.ts';
import { BlueskyNetwork, type BlueskyOptions } from './bluesky/bluesky.ts';
import { MastodonNetwork } from './mastodon/mastodon.ts';
import { XNetwork } from './x/x.ts';

/** The adapters Spool can publish through, by network id. */
export class NetworkRegistry {
  private readonly networks = new Map<string, SocialNetwork>();

  constructor(networks: SocialNetwork[]) {
    for (const n of networks) this.networks.set(n.id, n);
  }

  get(id: string): SocialNetwork | undefined {
    return this.networks.get(id);
  }

  all(): SocialNetwork[] {
    return [...this.networks.values()];
  }
}

export interface NetworkSettings {
  requestTimeoutMs: number;
  xClientId?: string | undefined;
  xClientSecret?: string | undefined;
  /** Whether user-chosen servers (Mastodon instances, PDS hosts) may be private addresses. */
  allowPrivateAddresses?: boolean;
  /** SSRF rule for user-chosen PDS hosts, and the link-card reader. */
  bluesky?: Omit<BlueskyOptions, 'timeoutMs'>;
}

export function createNetworkRegistry(settings: NetworkSettings): NetworkRegistry {
  return new NetworkRegistry([
    new BlueskyNetwork({ timeoutMs: settings.requestTimeoutMs, ...settings.bluesky }),
    new MastodonNetwork({
      timeoutMs: settings.requestTimeoutMs,
      allowPrivateAddresses: settings.allowPrivateAddresses ?? false,
    }),
    new XNetwork({
      timeoutMs: settings.requestTimeoutMs,
      clientId: settings.xClientId,
      clientSecret: settings.xClientSecret,
    }),
  ]);
}
