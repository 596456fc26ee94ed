import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ControlRoute, controlRoutes } from './control.ts';
import type { SimAccount, SimToken } from './credentials.ts';
import { FaultEngine, type FaultSettings, faultSettingsSchema } from './faults.ts';
import { createMastodon, type MastodonOptions } from './networks/mastodon.ts';
import type { NetworkDeps, Reply, Route, SimNetwork, UnauthorizedReason } from './networks/network.ts';
import { createX, type XOptions } from './networks/x.ts';
import { Router } from './router.ts';
import { SimState } from './state.ts';

/**
 * The network simulator: one HTTP server that speaks several networks' wire formats under
 * `/<network>/...`, stores what was posted, injects faults, and answers its own `/_sim/` API.
 * For tests, demos and benchmarks only; production code never imports it.
 */

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** PRNG seed for latencies and faults (default 1). */
  seed?: number;
  faults?: FaultSettings;
  /** The clock used for created times, token expiry and idempotency windows. */
  now?: () => number;
  /** Largest request body accepted (default 64 MiB). */
  maxBodyBytes?: number;
  mastodon?: MastodonOptions;
  x?: XOptions;
}

export interface Simulator {
  url: string;
  port: number;
  state: SimState;
  /** Replaces every fault setting (throws on an invalid shape). */
  setFaults(faults: FaultSettings): void;
  /** Forgets accounts, posts and counters; faults and PRNG return to the start options. */
  reset(): void;
  close(): Promise<void>;
}

/** Every simulated network; adding one is a new file under networks/ plus a line here. */
function buildNetworks(deps: NetworkDeps, options: SimulatorOptions): SimNetwork[] {
  return [createMastodon(deps, options.mastodon), createX(deps, options.x)];
}

type Target =
  | { kind: 'network'; network: SimNetwork; route: Route }
  | { kind: 'control'; route: ControlRoute };

const JSON_TYPE = 'application/json; charset=utf-8';
const EMPTY = Buffer.alloc(0);

class BodyTooLarge extends Error {}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const initialFaults = faultSettingsSchema.parse(options.faults ?? {});
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const state = new SimState(options.now ?? Date.now);
  const faults = new FaultEngine(seed, initialFaults);
  const networks = buildNetworks({ state }, options);
  const byName = new Map(networks.map((n) => [n.name, n]));

  const reset = () => {
    state.clear();
    faults.set(initialFaults);
    faults.random.reseed(initialFaults.seed ?? seed);
  };

  const router = new Router<Target>();
  for (const network of networks) {
    state.registerNetwork(network.name, network.ids);
    for (const route of network.routes) {
      router.add(route.method, `/${network.name}${route.path}`, { kind: 'network', network, route });
    }
  }
  for (const route of controlRoutes({ state, faults, networks, reset })) {
    router.add(route.method, route.path, { kind: 'control', route });
  }

  async function handleNetwork(
    network: SimNetwork,
    route: Route,
    params: string[],
    search: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = await readBody(req, maxBodyBytes);
    state.countRequest(network.name);
    const now = state.now();
    let token: SimToken | null = null;
    let account: SimAccount | null = null;
    let authFailure: UnauthorizedReason | null = null;
    if (route.auth) {
      const bearer = bearerToken(req.headers.authorization);
      token = bearer === null ? null : (state.credentials.token(bearer) ?? null);
      account =
        token !== null && token.network === network.name
          ? (state.credentials.account(token.accountId) ?? null)
          : null;
      if (bearer === null) authFailure = 'missing';
      else if (account === null) authFailure = 'invalid';
      else if (state.credentials.isExpired(token!, now)) authFailure = 'expired';
    }
    const subject = {
      network: network.name,
      account,
      isWrite: req.method !== 'GET',
      authenticated: route.auth,
      now,
    };
    const latencyMs = faults.latencyMs(subject);
    const decision = faults.decide(subject);
    // A request that was fully received is processed even if its client has gone meanwhile, as
    // a real server would: the client cannot know whether it was.
    if (latencyMs > 0) await sleep(latencyMs);

    switch (decision.kind) {
      case 'dropBeforeStore':
        state.countFault(network.name, decision.kind);
        req.socket.destroy();
        return;
      case 'serverError':
        state.countFault(network.name, decision.kind);
        return send(res, network.errors.serverError(decision.status));
      case 'rateLimited':
        state.countFault(network.name, decision.kind);
        return send(res, network.errors.rateLimited(decision));
    }
    if (authFailure !== null) return send(res, network.errors.unauthorized(authFailure));
    if (decision.kind === 'expiredToken' && token !== null) {
      token.expired = true;
      state.countFault(network.name, decision.kind);
      return send(res, network.errors.unauthorized('expired'));
    }

    const reply = route.handle({
      method: req.method ?? 'GET',
      params,
      query: new URLSearchParams(search),
      headers: req.headers,
      body,
      origin: `http://${req.headers.host ?? 'localhost'}`,
      account,
      token,
    });
    if (decision.kind === 'timeoutAfterStore') {
      // The work is done (and stored); the answer never arrives.
      state.countFault(network.name, decision.kind);
      setTimeout(() => req.socket.destroy(), decision.hangMs).unref();
      return;
    }
    send(res, reply);
  }

  async function handleControl(
    route: ControlRoute,
    search: string,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const body = await readBody(req, maxBodyBytes);
    let json: unknown;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, { status: 400, body: { error: 'body is not valid JSON' } });
      }
    }
    send(res, route.handle({ query: new URLSearchParams(search), json }));
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? '' : rawUrl.slice(q + 1);
    const match = router.match(req.method ?? 'GET', path);
    let work: Promise<void>;
    if (match === null) {
      const network = byName.get(path.split('/', 2)[1] ?? '');
      send(res, network?.errors.notFound() ?? { status: 404, body: { error: 'not found' } });
      return;
    }
    const target = match.target;
    if (target.kind === 'network') {
      work = handleNetwork(target.network, target.route, match.params, search, req, res);
    } else {
      work = handleControl(target.route, search, req, res);
    }
    work.catch((error: unknown) => {
      if (error instanceof BodyTooLarge) {
        send(res, {
          status: 413,
          body: { error: 'request body too large' },
          headers: { connection: 'close' },
        });
      } else {
        send(res, { status: 500, body: { error: error instanceof Error ? error.message : String(error) } });
      }
    });
  }

  const server = createServer(onRequest);
  // Keep connections open across bursts; a benchmark client reuses them.
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    state,
    setFaults: (settings) => faults.set(faultSettingsSchema.parse(settings)),
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length < 8) return null;
  const scheme = header.slice(0, 7);
  if (scheme !== 'Bearer ' && scheme.toLowerCase() !== 'bearer ') return null;
  const token = header.slice(7).trim();
  return token === '' ? null : token;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(EMPTY);
  }
  if (length !== undefined && Number(length) > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const payload =
    reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const headers: OutgoingHttpHeaders = {
    'content-type': reply.contentType ?? JSON_TYPE,
    'content-length': Buffer.byteLength(payload),
  };
  if (reply.headers !== undefined) Object.assign(headers, reply.headers);
  res.writeHead(reply.status, headers);
  res.end(payload);
}
