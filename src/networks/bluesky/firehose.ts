import { type Dispatcher, WebSocket } from 'undici';
import type { Logger } from '../../logger.ts';
import {
  type CborMap,
  type CborValue,
  Cid,
  decodeCbor,
  decodeCborSequence,
  readCarBlocks,
} from './dag-cbor.ts';
import { assertPublicHost } from './guarded-dispatcher.ts';

/**
 * A PDS's event stream (`com.atproto.sync.subscribeRepos`): a WebSocket of binary messages, each a
 * CBOR header and body. Spool needs the commits: which records were created or deleted, by whom,
 * and for creates of the collections it asks for, the record itself (from the commit's CAR blocks).
 * The subscription resumes from the last sequence number handled, so nothing is skipped after a
 * dropped connection; events are handed over in batches and the cursor moves only once a batch
 * was handled.
 */
export interface RepoOp {
  action: 'create' | 'update' | 'delete';
  collection: string;
  uri: string;
  /** The record of a create or update in a wanted collection, when the commit carried it. */
  record?: CborMap;
}

export interface CommitEvent {
  seq: number;
  /** The DID of the account whose repository changed (who liked, reposted, replied). */
  repo: string;
  time: string;
  ops: RepoOp[];
}

export type Frame =
  | { kind: 'commit'; event: CommitEvent }
  | { kind: 'other'; seq: number | undefined }
  | { kind: 'error'; error: string; message: string | undefined };

/** Decodes one message; records are decoded only for `wanted` collections (most are skipped). */
export function parseFrame(data: Uint8Array, wanted: (collection: string) => boolean): Frame {
  const [header, body] = decodeCborSequence(data) as [CborMap | undefined, CborMap | undefined];
  if (!header || !body) throw new Error('a stream message lacks its header or body');
  if (header.op === -1) {
    return { kind: 'error', error: String(body.error ?? 'unknown'), message: stringOr(body.message) };
  }
  const seq = typeof body.seq === 'number' ? body.seq : undefined;
  if (header.t !== '#commit' || seq === undefined || typeof body.repo !== 'string')
    return { kind: 'other', seq };
  const ops: RepoOp[] = [];
  let blocks: Map<string, Uint8Array> | undefined;
  for (const raw of Array.isArray(body.ops) ? (body.ops as CborMap[]) : []) {
    const action = raw.action;
    const path = typeof raw.path === 'string' ? raw.path : '';
    const collection = path.split('/')[0] ?? '';
    if ((action !== 'create' && action !== 'update' && action !== 'delete') || !wanted(collection)) continue;
    const op: RepoOp = { action, collection, uri: `at://${body.repo}/${path}` };
    if (action !== 'delete' && raw.cid instanceof Cid && body.blocks instanceof Uint8Array) {
      blocks ??= readCarBlocks(body.blocks);
      const block = blocks.get(raw.cid.toString());
      const record: CborValue = block ? decodeCbor(block) : null;
      if (record && typeof record === 'object' && !Array.isArray(record) && !(record instanceof Uint8Array)) {
        op.record = record as CborMap;
      }
    }
    ops.push(op);
  }
  return {
    kind: 'commit',
    event: { seq, repo: body.repo, time: stringOr(body.time) ?? new Date().toISOString(), ops },
  };
}

export interface FirehoseOptions {
  /** The PDS's http(s) URL. */
  service: string;
  cursor: number | undefined;
  dispatcher: Dispatcher;
  allowPrivateAddresses: boolean;
  wanted(collection: string): boolean;
  /** Handles a batch of commits; the cursor moves to `lastSeq` only when it resolves. */
  onBatch(commits: CommitEvent[], lastSeq: number): Promise<void>;
  log: Logger;
}

const MAX_QUEUED = 5_000;
const MAX_BATCH = 500;
const MAX_BACKOFF_MS = 30_000;

export class FirehoseSubscription {
  private socket: WebSocket | undefined;
  private queue: Uint8Array[] = [];
  private draining = false;
  private stopped = false;
  /** Set when a batch could not be handled: later messages wait for the reconnection. */
  private discarding = false;
  private backoffMs = 1_000;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private cursor: number | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: FirehoseOptions) {
    this.cursor = options.cursor;
  }

  /** The sequence number of the last event handled. */
  get position(): number | undefined {
    return this.cursor;
  }

  /** True while the WebSocket is open. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.close();
    await this.idle;
  }

  private connect(): void {
    if (this.stopped) return;
    this.discarding = false;
    const url = new URL('xrpc/com.atproto.sync.subscribeRepos', this.options.service.replace(/\/?$/, '/'));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.cursor !== undefined) url.searchParams.set('cursor', String(this.cursor));
    try {
      assertPublicHost(url, this.options.allowPrivateAddresses);
      const socket = new WebSocket(url, { dispatcher: this.options.dispatcher });
      socket.binaryType = 'arraybuffer';
      socket.addEventListener('open', () => {
        this.options.log.info({ cursor: this.cursor }, 'subscribed to the PDS event stream');
      });
      socket.addEventListener('message', (event) => {
        if (this.stopped || this.discarding || !(event.data instanceof ArrayBuffer)) return;
        this.queue.push(new Uint8Array(event.data));
        // Slow down a stream faster than the database: drop the connection, resume from the cursor.
        if (this.queue.length > MAX_QUEUED) socket.close();
        this.drain();
      });
      socket.addEventListener('close', () => this.scheduleReconnect(socket));
      socket.addEventListener('error', () => undefined); // a close always follows
      this.socket = socket;
    } catch (error) {
      this.options.log.warn({ err: error }, 'cannot subscribe to the PDS event stream');
      this.scheduleReconnect(undefined);
    }
  }

  private scheduleReconnect(socket: WebSocket | undefined): void {
    if (this.stopped || socket !== this.socket) return;
    this.socket = undefined;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      // Pending messages are handled first, so the cursor the new connection asks for is current.
      void this.idle.then(() => this.connect());
    }, delay);
    this.reconnectTimer.unref();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.idle = this.drainLoop().finally(() => {
      this.draining = false;
    });
  }

  private async drainLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const messages = this.queue.splice(0, MAX_BATCH);
      const commits: CommitEvent[] = [];
      let lastSeq = this.cursor;
      for (const message of messages) {
        let frame: Frame;
        try {
          frame = parseFrame(message, this.options.wanted);
        } catch (error) {
          this.options.log.warn({ err: error }, 'skipped a malformed message from the PDS event stream');
          continue;
        }
        if (frame.kind === 'error') {
          this.options.log.warn(
            { error: frame.error, message: frame.message },
            'the PDS event stream reported an error',
          );
          if (frame.error === 'FutureCursor') {
            // The PDS is behind the stored cursor (it was restored or reset): follow it from now on.
            this.cursor = undefined;
            lastSeq = undefined;
          }
          continue;
        }
        if (frame.kind === 'commit') commits.push(frame.event);
        const seq = frame.kind === 'commit' ? frame.event.seq : frame.seq;
        if (seq !== undefined) lastSeq = seq;
      }
      if (lastSeq === undefined) continue;
      try {
        await this.options.onBatch(commits, lastSeq);
        this.cursor = lastSeq;
        this.backoffMs = 1_000;
      } catch (error) {
        // Not handled: forget what is queued and resume from the last handled event.
        this.options.log.error(
          { err: error },
          'could not record events from the PDS event stream; resuming later',
        );
        this.discarding = true;
        this.queue = [];
        this.socket?.close();
        return;
      }
    }
  }
}

function stringOr(value: CborValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
