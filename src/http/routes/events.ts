import type { ServerResponse } from 'node:http';
import type { Sql } from '../../db/connection.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { orgParams } from '../schemas/ids.ts';

/** The PostgreSQL channel the `0009_live_events` trigger announces post target changes on. */
export const EVENTS_CHANNEL = 'spool_events';
const HEARTBEAT_MS = 15_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TargetEvent {
  org: string;
  target: string;
  post: string;
  channel: string;
  status: string;
}

/**
 * One LISTEN per process, shared by every open stream: a notification is parsed once and written
 * to the streams of its organization only.
 */
class LiveEventHub {
  private readonly streams = new Map<string, Set<ServerResponse>>();
  private listening: Promise<{ unlisten(): Promise<void> }> | undefined;

  constructor(private readonly sql: Sql) {}

  async add(organizationId: string, stream: ServerResponse): Promise<void> {
    let set = this.streams.get(organizationId);
    if (!set) {
      set = new Set();
      this.streams.set(organizationId, set);
    }
    set.add(stream);
    this.listening ??= this.sql.listen(EVENTS_CHANNEL, (payload) => this.dispatch(payload));
    await this.listening;
  }

  remove(organizationId: string, stream: ServerResponse): void {
    const set = this.streams.get(organizationId);
    set?.delete(stream);
    if (set?.size === 0) this.streams.delete(organizationId);
  }

  /** Ends every open stream, so that closing the server does not wait for them. */
  endStreams(): void {
    for (const set of this.streams.values()) for (const stream of set) stream.end();
    this.streams.clear();
  }

  async close(): Promise<void> {
    this.endStreams();
    const listening = this.listening;
    this.listening = undefined;
    if (listening) await (await listening.catch(() => undefined))?.unlisten().catch(() => undefined);
  }

  private dispatch(payload: string): void {
    const event = parseEvent(payload);
    if (!event) return;
    const set = this.streams.get(event.org);
    if (!set) return;
    const message = `event: target\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of set) stream.write(message);
  }
}

function parseEvent(payload: string): TargetEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const event = value as Partial<TargetEvent>;
  if (
    typeof event.org !== 'string' ||
    !UUID.test(event.org) ||
    typeof event.target !== 'string' ||
    typeof event.post !== 'string' ||
    typeof event.channel !== 'string' ||
    typeof event.status !== 'string'
  ) {
    return undefined;
  }
  return {
    org: event.org,
    target: event.target,
    post: event.post,
    channel: event.channel,
    status: event.status,
  };
}

/** Server-sent events: the organization's post target status changes, live, for the dashboard. */
export function registerEventRoutes(app: App, { sql }: { sql: Sql }): void {
  const hub = new LiveEventHub(sql);
  app.addHook('preClose', async () => hub.endStreams());
  app.addHook('onClose', async () => hub.close());

  app.get(
    '/api/orgs/:orgId/events',
    {
      // A stream has no HEAD form: a HEAD request would hold the connection open for nothing.
      exposeHeadRoute: false,
      config: { access: 'org', permission: 'org.read' },
      schema: {
        tags: ['events'],
        summary: "A server-sent event stream of the organization's post status changes (event: target)",
        params: orgParams,
      },
    },
    async (request, reply) => {
      const { organizationId } = orgOf(request);
      const stream = reply.raw;
      reply.hijack();
      // Headers set by hooks (security headers, request id) are kept on the raw response.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) stream.setHeader(name, value);
      }
      stream.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Tell proxies such as nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      stream.write('retry: 3000\n\n');
      const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const cleanUp = () => {
        clearInterval(heartbeat);
        hub.remove(organizationId, stream);
      };
      request.raw.on('close', cleanUp);
      stream.on('error', cleanUp);
      try {
        await hub.add(organizationId, stream);
        // Only now: a change made after the client reads this is sure to reach it (the LISTEN is on).
        stream.write(': connected\n\n');
      } catch (error) {
        request.log.error({ err: error }, 'live events: LISTEN failed');
        cleanUp();
        stream.end();
      }
    },
  );
}
