import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { SpoolError } from '../../domain/errors.ts';
import { classifyAddress } from '../../security/ssrf-guard.ts';

/**
 * Mastodon instance URLs are typed by users, so every request to one goes through the SSRF rules
 * (src/security/ssrf-guard.ts): only http(s), and every address the host resolves to must be public
 * unless the operator allows private addresses (tests, a LAN instance). The check runs inside the
 * connection's DNS lookup, so a name that later resolves elsewhere (rebinding) is caught too.
 */

/** Resolves the instance's host now and refuses it when any address is not public. */
export async function assertPublicInstance(
  instanceUrl: string,
  allowPrivateAddresses: boolean,
): Promise<void> {
  if (allowPrivateAddresses) return;
  const host = new URL(instanceUrl).hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host)
    ? [host]
    : await dns.promises
        .lookup(host, { all: true, verbatim: true })
        .then((list) => list.map((a) => a.address))
        .catch(() => {
          throw new SpoolError(
            'mastodon.instance_not_found',
            `There is no server named ${host}.`,
            'invalid',
            { host },
          );
        });
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (!verdict.allowed) throw blockedInstance(host, address, verdict.reason);
  }
}

const agents = new Map<boolean, Dispatcher>();

/** A keep-alive connection pool whose every connection is checked against the SSRF rules. */
export function instanceDispatcher(allowPrivateAddresses: boolean): Dispatcher {
  let agent = agents.get(allowPrivateAddresses);
  if (!agent) {
    agent = allowPrivateAddresses
      ? new Agent({ connections: 512, keepAliveTimeout: 30_000 })
      : new Agent({ connections: 512, keepAliveTimeout: 30_000, connect: { lookup: publicOnlyLookup } });
    agents.set(allowPrivateAddresses, agent);
  }
  return agent;
}

const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    for (const { address } of addresses) {
      const verdict = classifyAddress(address);
      if (!verdict.allowed) {
        const refused = Object.assign(new Error(`${hostname} resolves to ${address} (${verdict.reason})`), {
          code: 'ESPOOLBLOCKED',
        });
        return callback(refused, '', 0);
      }
    }
    const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
    const first = usable[0];
    if (!first)
      return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    if (options.all) return callback(null, usable);
    callback(null, first.address, first.family);
  });
};

function blockedInstance(host: string, address: string, reason: string): SpoolError {
  return new SpoolError(
    'mastodon.instance_blocked',
    `Spool does not connect to ${host}: it resolves to ${address}, a ${reason} address that is not on the public internet.`,
    'invalid',
    { host, address, reason },
  );
}

/** An IP-literal host skips DNS, so the lookup check never sees it: check it here. */
export function blockedLiteralReason(
  instanceUrl: string,
  allowPrivateAddresses: boolean,
): string | undefined {
  if (allowPrivateAddresses) return undefined;
  const host = new URL(instanceUrl).hostname.replace(/^\[|\]$/g, '');
  if (!net.isIP(host)) return undefined;
  const verdict = classifyAddress(host);
  return verdict.allowed ? undefined : `${host} is a ${verdict.reason} address`;
}
