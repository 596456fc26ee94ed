import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type {
  OutgoingPost,
  PublishContext,
  PublishOutcome,
  SocialNetwork,
} from '../../ports/social-network.ts';

/**
 * The contract every network adapter passes (DESIGN decision 8), run against a real server or the
 * simulator. It checks the port's promises in the publisher's terms: what `publish` reports for
 * success, a thread, a refused post, a refused token, a rate limit and a lost answer; that a retry
 * of an idempotent adapter never duplicates; that `deletePost` removes; that the declared
 * capabilities match the methods. The server is read back independently of the adapter.
 *
 * Test-only: imported by test files, never by the running product.
 */

export interface ServerPost {
  id: string;
  text: string;
  inReplyToId: string | null;
}

export interface ContractAccount {
  /** Ready to publish as this account. */
  ctx: PublishContext;
  /** The account's live (not deleted) posts as the server has them, oldest first. */
  posts(): Promise<ServerPost[]>;
}

/** Fault injection on the target server (the simulator); a real server has none. */
export interface ContractFaults {
  /** The account's next writes are stored, but their answers never arrive. */
  loseResponses(account: ContractAccount): Promise<void>;
  /** The account's next requests are answered 429 with this Retry-After. */
  rateLimit(account: ContractAccount, retryAfterSeconds: number): Promise<void>;
  clear(): Promise<void>;
}

export interface ContractTarget {
  /** The adapter under test; one whose request timeout is short enough for the lost-answer case. */
  adapter: SocialNetwork;
  newAccount(): Promise<ContractAccount>;
  /** Text the server refuses (too long for it), when it refuses any. */
  refusedText?: string;
  faults?: ContractFaults;
  /** The server's text for a published post, when it rewrites it (HTML); identity by default. */
  plainText?(serverText: string): string;
}

export interface ContractSuiteOptions {
  /** e.g. "mastodon against the simulator". */
  name: string;
  /** Read when the tests run, so a server started in `beforeAll` can be used. */
  target: () => ContractTarget;
  /** Which parts of the contract this server can exercise; decided when the suite is defined. */
  serverRefusesText: boolean;
  /** False for servers whose API cannot delete posts (snac2 before 2.84). */
  serverDeletes: boolean;
  injectsFaults: boolean;
}

export function describeAdapterContract(options: ContractSuiteOptions): void {
  describe(`adapter contract: ${options.name}`, () => {
    const target = () => options.target();
    const post = (...texts: string[]): OutgoingPost => ({
      targetId: randomUUID(),
      parts: texts.map((text) => ({ text, media: [] })),
    });
    const unique = (label: string) => `${label} ${randomUUID().slice(0, 8)}`;
    const plain = (text: string) => target().plainText?.(text) ?? text;
    const published = (outcome: PublishOutcome) => {
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ kind: 'published' });
      return outcome as Extract<PublishOutcome, { kind: 'published' }>;
    };

    it('declares capabilities that match its methods', () => {
      const adapter = target().adapter;
      expect(typeof adapter.id).toBe('string');
      expect(adapter.capabilities.maxConcurrency).toBeGreaterThanOrEqual(1);
      expect(typeof adapter.lookupPublished === 'function').toBe(adapter.capabilities.lookupPublished);
      expect(typeof adapter.refreshCredentials === 'function').toBe(
        adapter.capabilities.refreshableCredentials,
      );
      expect(typeof adapter.deletePost).toBe('function');
    });

    it('publishes a post and reports its id and URL', async () => {
      const account = await target().newAccount();
      const text = unique('contract: a single post');
      const outcome = published(await target().adapter.publish(account.ctx, post(text)));
      expect(outcome.networkPostId).toMatch(/\S/);
      expect(outcome.url).toMatch(/^https?:\/\//);
      const posts = await account.posts();
      expect(posts.map((p) => p.id)).toEqual([outcome.networkPostId]);
      expect(plain(posts[0]!.text)).toContain(text);
    });

    it('publishes a thread in order, each part replying to the one before', async () => {
      const account = await target().newAccount();
      const texts = [
        unique('contract: thread 1/3'),
        unique('contract: thread 2/3'),
        unique('contract: thread 3/3'),
      ];
      const outcome = published(await target().adapter.publish(account.ctx, post(...texts)));
      const posts = await account.posts();
      expect(posts).toHaveLength(3);
      expect(posts.map((p) => plain(p.text))).toEqual(texts.map((t) => expect.stringContaining(t)));
      expect(posts[0]!.id).toBe(outcome.networkPostId);
      expect(posts[0]!.inReplyToId).toBeNull();
      expect(posts[1]!.inReplyToId).toBe(posts[0]!.id);
      expect(posts[2]!.inReplyToId).toBe(posts[1]!.id);
    });

    it('resumes a thread after the parts an earlier attempt published', async () => {
      const account = await target().newAccount();
      const texts = [unique('contract: resume 1/2'), unique('contract: resume 2/2')];
      const first = published(await target().adapter.publish(account.ctx, post(texts[0]!)));
      const resumed: OutgoingPost = { ...post(...texts), publishedParts: [first.networkPostId] };
      published(await target().adapter.publish(account.ctx, resumed));
      const posts = await account.posts();
      expect(posts).toHaveLength(2);
      expect(posts[1]!.inReplyToId).toBe(first.networkPostId);
    });

    it.runIf(options.serverRefusesText)(
      'reports a post the server refuses as invalid, in words',
      async () => {
        const account = await target().newAccount();
        const outcome = await target().adapter.publish(account.ctx, post(target().refusedText!));
        expect(outcome.kind).toBe('invalid');
        const reason = (outcome as { reason: string }).reason;
        expect(reason).toMatch(/[a-z]{3,} [a-z]{2,}/i);
        expect(reason).not.toMatch(/^HTTP \d+$/);
        expect(await account.posts()).toEqual([]);
      },
    );

    it('reports a refused token as auth_expired', async () => {
      const account = await target().newAccount();
      const ctx = {
        ...account.ctx,
        credentials: { ...account.ctx.credentials, accessToken: 'not-a-valid-token' },
      };
      const outcome = await target().adapter.publish(ctx, post(unique('contract: bad token')));
      expect(outcome.kind).toBe('auth_expired');
      expect(await account.posts()).toEqual([]);
    });

    it.runIf(options.serverDeletes)('deletes a published post', async () => {
      const account = await target().newAccount();
      const outcome = published(
        await target().adapter.publish(account.ctx, post(unique('contract: to delete'))),
      );
      await target().adapter.deletePost!(account.ctx, outcome.networkPostId);
      expect(await account.posts()).toEqual([]);
      // Deleting what is already gone is not an error: a retried delete must not fail.
      await target().adapter.deletePost!(account.ctx, outcome.networkPostId);
    });

    describe.runIf(options.injectsFaults)('under injected faults', () => {
      const faults = () => target().faults!;

      it('reports a 429 as rate_limited with the wait the server asked for', async () => {
        const account = await target().newAccount();
        await faults().rateLimit(account, 42);
        try {
          const outcome = await target().adapter.publish(account.ctx, post(unique('contract: rate limited')));
          expect(outcome.kind).toBe('rate_limited');
          const wait = (outcome as { retryAfterMs: number }).retryAfterMs;
          expect(wait).toBeGreaterThan(30_000);
          expect(wait).toBeLessThanOrEqual(42_000);
        } finally {
          await faults().clear();
        }
        expect(await account.posts()).toEqual([]);
      });

      it('reports a lost answer as unknown, and a retry never duplicates the post', async () => {
        const account = await target().newAccount();
        const adapter = target().adapter;
        const outgoing = post(unique('contract: lost answer'));
        const since = new Date();
        await faults().loseResponses(account);
        let first: PublishOutcome;
        try {
          first = await adapter.publish(account.ctx, outgoing);
        } finally {
          await faults().clear();
        }
        expect(first.kind).toBe('unknown');
        // The server did store it.
        const stored = await account.posts();
        expect(stored).toHaveLength(1);

        if (adapter.capabilities.lookupPublished) {
          const found = await adapter.lookupPublished!(account.ctx, outgoing, since);
          expect(found).toMatchObject({ found: true, networkPostId: stored[0]!.id });
        }
        if (adapter.capabilities.idempotentPublish) {
          const retry = published(await adapter.publish(account.ctx, outgoing));
          expect(retry.networkPostId).toBe(stored[0]!.id);
          expect((await account.posts()).map((p) => p.id)).toEqual([stored[0]!.id]);
        }
      });
    });
  });
}
