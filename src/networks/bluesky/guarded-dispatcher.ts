import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { classifyAddress } from '../../security/ssrf-guard.ts';
import { networkAgent } from '../http-client.ts';

/**
 * A Bluesky account's PDS is a URL its owner chose (any self-hosted PDS is allowed), so every
 * connection to it follows the SSRF rules of src/security/ssrf-guard.ts: the host must resolve to
 * public addresses only, and the connection goes to the address that was checked (a DNS answer
 * that changes later cannot point Spool's workers at an inside service). Operators and tests may
 * allow private addresses (SSRF_ALLOW_PRIVATE).
 */
export class BlockedAddressError extends Error {
  readonly code = 'SPOOL_BLOCKED_ADDRESS';
  constructor(host: string, address: string, reason: string) {
    super(`${host} resolves to ${address}, a ${reason} address that is not on the public internet`);
  }
}

let guardedAgent: Agent | undefined;

export function pdsDispatcher(allowPrivateAddresses: boolean): Dispatcher {
  if (allowPrivateAddresses) return networkAgent();
  guardedAgent ??= new Agent({
    connections: 256,
    keepAliveTimeout: 30_000,
    connect: { lookup: publicOnlyLookup },
  });
  return guardedAgent;
}

/** Refuses an IP-literal host that is not public (a literal is connected to without a lookup). */
export function assertPublicHost(url: URL, allowPrivateAddresses: boolean): void {
  if (allowPrivateAddresses) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!net.isIP(host)) return;
  const verdict = classifyAddress(host);
  if (!verdict.allowed) throw new BlockedAddressError(host, host, verdict.reason);
}

const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    for (const { address } of addresses) {
      const verdict = classifyAddress(address);
      if (!verdict.allowed)
        return callback(new BlockedAddressError(hostname, address, verdict.reason), '', 0);
    }
    const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
    const first = usable[0];
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    if (options.all) return callback(null, usable);
    callback(null, first.address, first.family);
  });
};
