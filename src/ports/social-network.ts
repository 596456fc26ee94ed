/**
 * The port every network adapter implements (DESIGN decision 8). Adapters receive credentials and
 * a post in our own terms, never a database row, and report outcomes in our own terms. Shared code
 * never branches on a network's name: what differs is data (capabilities) or adapter code.
 */

/** Tokens and whatever else the network needs to act for an account; sealed at rest. */
export interface NetworkCredentials {
  accessToken: string;
  refreshToken?: string;
  /** ISO time the access token expires, when the network says. */
  expiresAt?: string;
  [extra: string]: unknown;
}

export interface ChannelRef {
  id: string;
  accountId: string;
  handle: string;
  /** The account's server (Mastodon instance, Bluesky PDS) or an API base URL override. */
  serviceUrl: string | null;
}

export interface OutgoingMedia {
  mediaId: string;
  mimeType: string;
  bytes: number;
  altText: string;
  /** Pixel size, when known (Bluesky shows images in their aspect ratio before they load). */
  width?: number;
  height?: number;
  read(): Promise<Buffer>;
}

export interface OutgoingPart {
  text: string;
  media: OutgoingMedia[];
}

export interface OutgoingPost {
  /** Our target id: adapters derive idempotency keys and record keys from it. */
  targetId: string;
  /** The first part is the post; further parts are published as a reply chain, in order. */
  parts: OutgoingPart[];
  /** Network post ids of parts already published by an earlier attempt, to resume a thread. */
  publishedParts?: string[];
  /** The languages the post is written in (BCP 47 tags), for networks that label posts with them. */
  languages?: string[];
  /**
   * Per-network options chosen in the composer, keyed by network id (Mastodon's visibility,
   * content warning and poll, a Pinterest board, a YouTube title); each adapter validates its own.
   */
  networkOptions?: Record<string, unknown>;
}

export type PublishOutcome =
  | { kind: 'published'; networkPostId: string; url: string | null }
  /** The request surely did not take effect (connection refused, 5xx before processing): retry. */
  | { kind: 'retryable'; reason: string }
  | { kind: 'rate_limited'; retryAfterMs: number; reason: string }
  | { kind: 'auth_expired'; reason: string }
  /** Permanent: the network refused this post; the reason is shown to the user. */
  | { kind: 'invalid'; reason: string }
  /** The request may have reached the network (timeout after sending, dropped connection). */
  | { kind: 'unknown'; reason: string };

export type OutcomeKind = PublishOutcome['kind'];

export interface PublishContext {
  channel: ChannelRef;
  credentials: NetworkCredentials;
  signal?: AbortSignal;
}

export type LookupResult = { found: true; networkPostId: string; url: string | null } | { found: false };

export interface NetworkCapabilities {
  /**
   * A retry of the same target can never create a second post: the network honours an idempotency
   * key, or the adapter writes a record key of its choosing.
   */
  idempotentPublish: boolean;
  /** The adapter can look up whether a target's post exists (so an unknown outcome can be settled). */
  lookupPublished: boolean;
  /** The network's tokens expire and can be refreshed. */
  refreshableCredentials: boolean;
  /** How many publishes to this network one worker runs at once. */
  maxConcurrency: number;
}

export interface SocialNetwork {
  readonly id: string;
  readonly capabilities: NetworkCapabilities;
  publish(ctx: PublishContext, post: OutgoingPost): Promise<PublishOutcome>;
  /** Settles an unknown outcome: did the post go out after `since`? Throws when it cannot tell. */
  lookupPublished?(ctx: PublishContext, post: OutgoingPost, since: Date): Promise<LookupResult>;
  refreshCredentials?(ctx: PublishContext): Promise<NetworkCredentials>;
  deletePost?(ctx: PublishContext, networkPostId: string): Promise<void>;
}
