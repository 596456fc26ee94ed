import { afterAll, beforeAll } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import {
  type ContractAccount,
  type ContractTarget,
  describeAdapterContract,
} from '../../src/networks/contract/contract-suite.ts';
import { MastodonNetwork } from '../../src/networks/mastodon/mastodon.ts';
import { XNetwork } from '../../src/networks/x/x.ts';
import type { SocialNetwork } from '../../src/ports/social-network.ts';

/**
 * Every adapter against the shared contract (src/networks/contract/contract-suite.ts). Networks
 * the simulator speaks run here with fault injection; Mastodon also runs it against a real snac2
 * server in mastodon-snac.test.ts.
 *
 * Bluesky: add `describeAdapterContract({ name: 'bluesky against a local PDS', ... })` with a
 * target whose `newAccount` creates an account on the @atproto/dev-env PDS (test/peers/atproto/).
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
});
afterAll(async () => {
  await sim?.close();
});

/** A fresh simulated account of `network`, read back through the simulator's own state. */
function simTarget(network: 'mastodon' | 'x', adapter: SocialNetwork, refusedText: string): ContractTarget {
  return {
    adapter,
    refusedText,
    async newAccount(): Promise<ContractAccount> {
      const res = await fetch(`${sim.url}/_sim/accounts`, {
        method: 'POST',
        body: JSON.stringify({ network }),
      });
      const account = (await res.json()) as {
        id: string;
        username: string;
        accessToken: string;
        refreshToken: string | null;
      };
      return {
        ctx: {
          channel: {
            id: crypto.randomUUID(),
            accountId: account.id,
            handle: account.username,
            serviceUrl: `${sim.url}/${network}`,
          },
          credentials: {
            accessToken: account.accessToken,
            ...(account.refreshToken ? { refreshToken: account.refreshToken } : {}),
          },
        },
        async posts() {
          return sim.state
            .listPosts({ network, accountId: account.id })
            .filter((p) => p.deletedAt === null)
            .sort((a, b) => a.createdAt - b.createdAt)
            .map((p) => ({ id: p.id, text: p.text, inReplyToId: p.inReplyToId }));
        },
      };
    },
    faults: {
      async loseResponses(account) {
        sim.setFaults({
          accounts: {
            [account.ctx.channel.accountId]: { timeoutAfterStoreRate: 1, hangMs: 3_000, scope: 'writes' },
          },
        });
      },
      async rateLimit(account, retryAfterSeconds) {
        sim.setFaults({
          accounts: { [account.ctx.channel.accountId]: { rateLimitRate: 1, retryAfterSeconds } },
        });
      },
      async clear() {
        sim.setFaults({});
      },
    },
  };
}

describeAdapterContract({
  name: 'mastodon against the simulator',
  serverRefusesText: true,
  serverDeletes: true,
  injectsFaults: true,
  target: () => simTarget('mastodon', new MastodonNetwork({ timeoutMs: 700 }), 'x'.repeat(501)),
});

describeAdapterContract({
  name: 'x against the simulator',
  serverRefusesText: true,
  serverDeletes: true,
  injectsFaults: true,
  target: () => simTarget('x', new XNetwork({ timeoutMs: 700 }), 'x'.repeat(281)),
});

// Bluesky: its `describeAdapterContract({ name: 'bluesky against a local PDS', ... })` goes here,
// with a target whose `newAccount` creates an account on the @atproto/dev-env PDS.
