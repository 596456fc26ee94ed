'use strict';
// Preload for the local AT Protocol network: names in SPOOL_PEER_HOSTS ("name=address,...")
// resolve to the given loopback address, as they would through DNS for a real deployment. The
// tests use it for a Spool served over https on a non-loopback name (AT Protocol OAuth refuses
// https redirect URIs on loopback hosts), without touching the machine's /etc/hosts.

const dns = require('node:dns');

const hosts = new Map(
  (process.env.SPOOL_PEER_HOSTS || '')
    .split(',')
    .map((entry) => entry.trim().split('='))
    .filter(([name, address]) => name && address),
);

if (hosts.size > 0) {
  const originalLookup = dns.lookup;
  dns.lookup = function lookupTestHosts(hostname, options, callback) {
    const address = hosts.get(String(hostname).toLowerCase());
    if (!address) return originalLookup.call(this, hostname, options, callback);
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'object' && options !== null ? options : {};
    const family = address.includes(':') ? 6 : 4;
    process.nextTick(() => (opts.all ? cb(null, [{ address, family }]) : cb(null, address, family)));
  };
}
