import { z } from 'zod';
import type { SimToken } from './credentials.ts';
import { type FaultEngine, faultSettingsSchema } from './faults.ts';
import type { Reply, SimNetwork } from './networks/network.ts';
import type { SimState } from './state.ts';

/** The simulator's own JSON API under `/_sim/`: accounts and tokens, faults, what was posted. */

export interface ControlRequest {
  query: URLSearchParams;
  /** The parsed JSON body; undefined when there was none. */
  json: unknown;
}

export interface ControlRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(req: ControlRequest): Reply;
}

export interface ControlDeps {
  state: SimState;
  faults: FaultEngine;
  networks: readonly SimNetwork[];
  reset(): void;
}

const newAccountSchema = z.strictObject({
  network: z.string(),
  username: z.string().min(1).optional(),
  displayName: z.string().optional(),
  /** Overrides the network's default token lifetime; null = never expires. */
  tokenTtlSeconds: z.number().positive().nullable().optional(),
});

const newTokenSchema = z.strictObject({
  account: z.string(),
  network: z.string().optional(),
  tokenTtlSeconds: z.number().positive().nullable().optional(),
});

const expireSchema = z
  .strictObject({
    token: z.string().optional(),
    accessToken: z.string().optional(),
    account: z.string().optional(),
  })
  .refine((v) => v.token !== undefined || v.accessToken !== undefined || v.account !== undefined, {
    message: 'give token (or accessToken) or account',
  });

function invalid(error: z.ZodError): Reply {
  return { status: 400, body: { error: 'invalid request', issues: z.treeifyError(error) } };
}

function presentToken(token: SimToken) {
  return {
    accessToken: token.accessToken,
    refreshToken: token.refreshToken,
    scope: token.scope,
    expiresAt: token.expiresAt === null ? null : new Date(token.expiresAt).toISOString(),
  };
}

export function controlRoutes({ state, faults, networks, reset }: ControlDeps): ControlRoute[] {
  const network = (name: string) => networks.find((n) => n.name === name);
  const unknownNetwork = (name: string): Reply => ({
    status: 400,
    body: { error: `unknown network "${name}"; known: ${networks.map((n) => n.name).join(', ')}` },
  });

  return [
    {
      method: 'GET',
      path: '/_sim/health',
      handle: () => ({ status: 200, body: { ok: true, networks: networks.map((n) => n.name) } }),
    },
    {
      method: 'POST',
      path: '/_sim/accounts',
      handle(req) {
        const parsed = newAccountSchema.safeParse(req.json ?? {});
        if (!parsed.success) return invalid(parsed.error);
        const input = parsed.data;
        const net = network(input.network);
        if (net === undefined) return unknownNetwork(input.network);
        if (input.username !== undefined && state.credentials.findAccount(input.username, net.name)) {
          return { status: 409, body: { error: `username "${input.username}" is taken on ${net.name}` } };
        }
        const account = state.credentials.createAccount(net.name, input.username, input.displayName);
        const ttlSeconds =
          input.tokenTtlSeconds === undefined ? net.tokenOptions.ttlSeconds : input.tokenTtlSeconds;
        const token = state.credentials.issueToken(account, { ...net.tokenOptions, ttlSeconds });
        return { status: 201, body: { ...account, ...presentToken(token) } };
      },
    },
    {
      method: 'GET',
      path: '/_sim/accounts',
      handle(req) {
        const accounts = state.credentials.listAccounts(req.query.get('network') ?? undefined);
        return { status: 200, body: { count: accounts.length, accounts } };
      },
    },
    {
      method: 'POST',
      path: '/_sim/tokens',
      handle(req) {
        const parsed = newTokenSchema.safeParse(req.json ?? {});
        if (!parsed.success) return invalid(parsed.error);
        const account = state.credentials.findAccount(parsed.data.account, parsed.data.network);
        const net = account && network(account.network);
        if (account === undefined || net === undefined)
          return { status: 404, body: { error: 'unknown account' } };
        const ttl = parsed.data.tokenTtlSeconds;
        const token = state.credentials.issueToken(account, {
          ...net.tokenOptions,
          ttlSeconds: ttl === undefined ? net.tokenOptions.ttlSeconds : ttl,
        });
        return { status: 201, body: { accountId: account.id, ...presentToken(token) } };
      },
    },
    {
      method: 'POST',
      path: '/_sim/tokens/expire',
      handle(req) {
        const parsed = expireSchema.safeParse(req.json ?? {});
        if (!parsed.success) return invalid(parsed.error);
        const input = parsed.data;
        const accessToken = input.token ?? input.accessToken;
        if (accessToken !== undefined) {
          return { status: 200, body: { expired: state.credentials.expire({ accessToken }) } };
        }
        const account = state.credentials.findAccount(input.account!);
        if (account === undefined) return { status: 404, body: { error: 'unknown account' } };
        return { status: 200, body: { expired: state.credentials.expire({ accountId: account.id }) } };
      },
    },
    {
      method: 'GET',
      path: '/_sim/posts',
      handle(req) {
        const posts = state.listPosts({
          network: req.query.get('network') ?? undefined,
          account: req.query.get('account') ?? undefined,
          includeDeleted: req.query.get('includeDeleted') !== 'false',
        });
        return { status: 200, body: { count: posts.length, posts } };
      },
    },
    { method: 'GET', path: '/_sim/stats', handle: () => ({ status: 200, body: state.stats() }) },
    {
      method: 'GET',
      path: '/_sim/duplicates',
      handle() {
        const groups = state.duplicates();
        return { status: 200, body: { count: groups.length, groups } };
      },
    },
    { method: 'GET', path: '/_sim/faults', handle: () => ({ status: 200, body: faults.get() }) },
    {
      method: 'POST',
      path: '/_sim/faults',
      handle(req) {
        const parsed = faultSettingsSchema.safeParse(req.json ?? {});
        if (!parsed.success) return invalid(parsed.error);
        faults.set(parsed.data);
        return { status: 200, body: faults.get() };
      },
    },
    {
      method: 'POST',
      path: '/_sim/reset',
      handle() {
        reset();
        return { status: 200, body: { ok: true } };
      },
    },
  ];
}
