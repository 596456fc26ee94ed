import { CredentialStore } from './credentials.ts';
import type { FaultKind } from './faults.ts';

/** What the simulated networks stored, indexed for O(1) hot-path operations, plus counters. */

export interface SimPost {
  id: string;
  network: string;
  accountId: string;
  text: string;
  idempotencyKey: string | null;
  /** From the simulator-only `X-Sim-Client-Ref` header: lets tests spot a double publish. */
  clientRef: string | null;
  createdAt: number;
  inReplyToId: string | null;
  mediaIds: string[];
  visibility: string | null;
  deletedAt: number | null;
}

export interface SimMedia {
  id: string;
  network: string;
  accountId: string;
  bytes: number;
  mimeType: string | null;
  description: string | null;
  createdAt: number;
  readyAt: number;
}

export type NewPost = Omit<SimPost, 'id' | 'createdAt' | 'deletedAt'>;

export interface PostFilter {
  network?: string;
  /** Account id or username. */
  account?: string;
  /** Account id only. */
  accountId?: string;
  includeDeleted?: boolean;
}

export interface DuplicateGroup {
  reason: 'text' | 'clientRef' | 'idempotencyKey';
  network: string;
  accountId: string;
  value: string;
  postIds: string[];
}

interface NetworkCounters {
  requests: number;
  idempotentReplays: number;
  duplicateRejections: number;
  faults: Record<FaultKind, number>;
}

export interface SimStats {
  networks: Record<string, NetworkCounters & { accounts: number; posts: number; deleted: number }>;
  totals: { posts: number; requests: number };
  /** Extra posts beyond the first of each group (0 when nothing was published twice). */
  duplicates: { byText: number; byClientRef: number; byIdempotencyKey: number };
}

function emptyCounters(): NetworkCounters {
  return {
    requests: 0,
    idempotentReplays: 0,
    duplicateRejections: 0,
    faults: { dropBeforeStore: 0, serverError: 0, rateLimited: 0, timeoutAfterStore: 0, expiredToken: 0 },
  };
}

const SEP = '\u0000';

/** Snowflake-like ids (milliseconds shifted left, plus a sequence), unique and time ordered. */
class SnowflakeIds {
  private lastMs = 0;
  private seq = 0;

  constructor(
    private readonly epochMs: number,
    private readonly seqBits: number,
  ) {}

  next(now: number): string {
    const ms = Math.max(now, this.lastMs);
    if (ms === this.lastMs) {
      this.seq++;
      if (this.seq >= 2 ** this.seqBits) {
        this.lastMs = ms + 1;
        this.seq = 0;
      }
    } else {
      this.lastMs = ms;
      this.seq = 0;
    }
    return ((BigInt(this.lastMs - this.epochMs) << BigInt(this.seqBits)) | BigInt(this.seq)).toString();
  }
}

export class SimState {
  readonly credentials: CredentialStore;
  private readonly posts: SimPost[] = [];
  private readonly postsById = new Map<string, SimPost>();
  private readonly liveByText = new Map<string, SimPost>();
  private readonly liveCounts = new Map<string, number>();
  private readonly byAccount = new Map<string, SimPost[]>();
  private readonly idempotency = new Map<string, { post: SimPost; expiresAt: number }>();
  private readonly media = new Map<string, SimMedia>();
  private readonly counters = new Map<string, NetworkCounters>();
  private readonly ids = new Map<string, SnowflakeIds>();

  constructor(readonly now: () => number = Date.now) {
    this.credentials = new CredentialStore(now);
  }

  /** Ids are snowflakes: (ms - epoch) << seqBits | sequence, as each network documents its own. */
  registerNetwork(name: string, ids: { epochMs: number; seqBits: number }): void {
    this.counters.set(name, emptyCounters());
    this.ids.set(name, new SnowflakeIds(ids.epochMs, ids.seqBits));
  }

  networkNames(): string[] {
    return [...this.counters.keys()];
  }

  nextId(network: string): string {
    const ids = this.ids.get(network);
    if (ids === undefined) throw new Error(`unknown network ${network}`);
    return ids.next(this.now());
  }

  countRequest(network: string): void {
    this.counter(network).requests++;
  }

  countFault(network: string, kind: FaultKind): void {
    this.counter(network).faults[kind]++;
  }

  countIdempotentReplay(network: string): void {
    this.counter(network).idempotentReplays++;
  }

  countDuplicateRejection(network: string): void {
    this.counter(network).duplicateRejections++;
  }

  createPost(input: NewPost): SimPost {
    // Spelled out: an object spread here costs ~20x more, and this is the hot path.
    const post: SimPost = {
      id: this.nextId(input.network),
      network: input.network,
      accountId: input.accountId,
      text: input.text,
      idempotencyKey: input.idempotencyKey,
      clientRef: input.clientRef,
      createdAt: this.now(),
      inReplyToId: input.inReplyToId,
      mediaIds: input.mediaIds,
      visibility: input.visibility,
      deletedAt: null,
    };
    this.posts.push(post);
    this.postsById.set(postKey(post.network, post.id), post);
    this.liveByText.set(textKey(post), post);
    this.liveCounts.set(post.accountId, (this.liveCounts.get(post.accountId) ?? 0) + 1);
    const own = this.byAccount.get(post.accountId);
    if (own === undefined) this.byAccount.set(post.accountId, [post]);
    else own.push(post);
    return post;
  }

  post(network: string, id: string): SimPost | undefined {
    return this.postsById.get(postKey(network, id));
  }

  /** Marks the post deleted; it stays listed (with `deletedAt`) so that tests can still count it. */
  deletePost(post: SimPost): void {
    if (post.deletedAt !== null) return;
    post.deletedAt = this.now();
    this.liveCounts.set(post.accountId, (this.liveCounts.get(post.accountId) ?? 1) - 1);
    const key = textKey(post);
    if (this.liveByText.get(key) === post) this.liveByText.delete(key);
  }

  /** Every post of an account (deleted ones included), oldest first. */
  postsOfAccount(accountId: string): readonly SimPost[] {
    return this.byAccount.get(accountId) ?? [];
  }

  livePostCount(accountId: string): number {
    return this.liveCounts.get(accountId) ?? 0;
  }

  /** A live post of this account with exactly this text. */
  liveDuplicate(network: string, accountId: string, text: string): SimPost | undefined {
    return this.liveByText.get(network + SEP + accountId + SEP + text);
  }

  rememberIdempotencyKey(post: SimPost, ttlMs: number): void {
    if (post.idempotencyKey === null) return;
    const now = this.now();
    // Keys expire in insertion order: drop the expired ones at the front (amortized O(1)).
    for (const [oldKey, entry] of this.idempotency) {
      if (entry.expiresAt > now) break;
      this.idempotency.delete(oldKey);
    }
    const key = post.network + SEP + post.accountId + SEP + post.idempotencyKey;
    this.idempotency.set(key, { post, expiresAt: now + ttlMs });
  }

  /** The post created earlier with this key by this account, while the key is remembered. */
  idempotentPost(network: string, accountId: string, idempotencyKey: string): SimPost | undefined {
    const key = network + SEP + accountId + SEP + idempotencyKey;
    const entry = this.idempotency.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.idempotency.delete(key);
      return undefined;
    }
    return entry.post;
  }

  createMedia(input: Omit<SimMedia, 'id' | 'createdAt' | 'readyAt'>, processingMs: number): SimMedia {
    const createdAt = this.now();
    const media: SimMedia = {
      ...input,
      id: this.nextId(input.network),
      createdAt,
      readyAt: createdAt + processingMs,
    };
    this.media.set(postKey(media.network, media.id), media);
    return media;
  }

  mediaById(network: string, id: string): SimMedia | undefined {
    return this.media.get(postKey(network, id));
  }

  listPosts(filter: PostFilter = {}): SimPost[] {
    let accountId = filter.accountId;
    if (accountId === undefined && filter.account !== undefined) {
      accountId = this.credentials.findAccount(filter.account, filter.network)?.id;
      if (accountId === undefined) return [];
    }
    return this.posts.filter(
      (p) =>
        (filter.network === undefined || p.network === filter.network) &&
        (accountId === undefined || p.accountId === accountId) &&
        (filter.includeDeleted !== false || p.deletedAt === null),
    );
  }

  /** Groups of posts that look like one post published more than once (deleted posts included). */
  duplicates(): DuplicateGroup[] {
    const groups = new Map<string, DuplicateGroup>();
    const add = (reason: DuplicateGroup['reason'], post: SimPost, value: string | null) => {
      if (value === null) return;
      const key = reason + SEP + post.network + SEP + post.accountId + SEP + value;
      const group = groups.get(key);
      if (group === undefined) {
        groups.set(key, {
          reason,
          network: post.network,
          accountId: post.accountId,
          value,
          postIds: [post.id],
        });
      } else {
        group.postIds.push(post.id);
      }
    };
    for (const post of this.posts) {
      add('text', post, post.text === '' ? null : post.text);
      add('clientRef', post, post.clientRef);
      add('idempotencyKey', post, post.idempotencyKey);
    }
    return [...groups.values()].filter((g) => g.postIds.length > 1);
  }

  stats(): SimStats {
    const networks: SimStats['networks'] = {};
    for (const [name, c] of this.counters) {
      networks[name] = { ...c, faults: { ...c.faults }, accounts: 0, posts: 0, deleted: 0 };
    }
    for (const a of this.credentials.listAccounts()) {
      const n = networks[a.network];
      if (n !== undefined) n.accounts++;
    }
    for (const p of this.posts) {
      const n = networks[p.network];
      if (n === undefined) continue;
      n.posts++;
      if (p.deletedAt !== null) n.deleted++;
    }
    const duplicates = { byText: 0, byClientRef: 0, byIdempotencyKey: 0 };
    for (const g of this.duplicates()) {
      const extra = g.postIds.length - 1;
      if (g.reason === 'text') duplicates.byText += extra;
      else if (g.reason === 'clientRef') duplicates.byClientRef += extra;
      else duplicates.byIdempotencyKey += extra;
    }
    let requests = 0;
    for (const c of this.counters.values()) requests += c.requests;
    return { networks, totals: { posts: this.posts.length, requests }, duplicates };
  }

  clear(): void {
    this.credentials.clear();
    this.posts.length = 0;
    this.postsById.clear();
    this.liveByText.clear();
    this.liveCounts.clear();
    this.byAccount.clear();
    this.idempotency.clear();
    this.media.clear();
    for (const name of this.counters.keys()) this.counters.set(name, emptyCounters());
  }

  private counter(network: string): NetworkCounters {
    let c = this.counters.get(network);
    if (c === undefined) {
      c = emptyCounters();
      this.counters.set(network, c);
    }
    return c;
  }
}

/** Orders snowflake ids (decimal strings) numerically. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function postKey(network: string, id: string): string {
  return network + SEP + id;
}

function textKey(post: SimPost): string {
  return post.network + SEP + post.accountId + SEP + post.text;
}
