import type { Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/connection.ts';
import type { Logger } from '../logger.ts';
import { createLinkCardSource } from '../networks/bluesky/link-card.ts';
import { blueskyOAuthClient } from '../networks/bluesky/oauth/create-client.ts';
import { createNetworkRegistry, type NetworkRegistry } from '../networks/registry.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { SsrfGuard } from '../security/ssrf-guard.ts';
import { createBlobStore } from '../storage/local-blob-store.ts';
import { createMediaSource } from './media-source.ts';
import { PublisherMetrics } from './metrics.ts';
import { Publisher } from './publisher.ts';
import type { MediaSource, PublishEvents } from './run-attempt.ts';

export interface PublisherDeps {
  config: Config;
  sql: Sql;
  secretBox: SecretBox;
  log: Logger;
  registry: Registry;
  events: PublishEvents;
  networks?: NetworkRegistry;
  media?: MediaSource;
}

/** Builds the publisher of a `start` or `worker` process from its settings. */
export function createPublisher(deps: PublisherDeps): Publisher {
  const { config } = deps;
  const networks =
    deps.networks ??
    createNetworkRegistry({
      requestTimeoutMs: config.publisher.requestTimeoutMs,
      xClientId: config.x.clientId,
      xClientSecret: config.x.clientSecret,
      allowPrivateAddresses: config.ssrfAllowPrivate,
      bluesky: {
        allowPrivateAddresses: config.ssrfAllowPrivate,
        linkCards: createLinkCardSource(new SsrfGuard({ allowPrivateAddresses: config.ssrfAllowPrivate })),
        oauth: blueskyOAuthClient(config, deps.secretBox, config.publisher.requestTimeoutMs),
      },
    });
  const metrics = new PublisherMetrics(deps.registry);
  return new Publisher(
    deps.sql,
    networks,
    {
      secretBox: deps.secretBox,
      retry: {
        maxAttempts: config.publisher.maxAttempts,
        baseDelayMs: config.publisher.retryBaseMs,
        maxDelayMs: 10 * 60_000,
      },
      metrics,
      events: deps.events,
      log: deps.log.child({ component: 'publisher' }),
      media: deps.media ?? createMediaSource(deps.sql, createBlobStore(config)),
      shortLinkBaseUrl: config.publicUrl,
    },
    metrics,
    {
      leaseMs: config.publisher.leaseMs,
      maxInFlight: config.publisher.maxInFlight,
      batchSize: config.publisher.batchSize,
      idleWakeMs: 5_000,
    },
    deps.log.child({ component: 'publisher' }),
  );
}
