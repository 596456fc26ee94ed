'use strict';
// Preload (`node --require ./listen-loopback.cjs ...`, or `--import`) that keeps
// every TCP server of this process on the loopback interface.
//
// @atproto/dev-env's PLC and PDS call `listen(port)` with no host, which Node
// binds to all interfaces (:: / 0.0.0.0). Neither has a host option, so we
// patch net.Server.prototype.listen (http/https/ws servers all go through it):
// a listen with no host, or with a wildcard host, is bound to 127.0.0.1.
// Unix sockets, handles and file descriptors are passed through unchanged.

const net = require('node:net');

const PATCHED = Symbol.for('spool.listenLoopback');
const LOOPBACK = process.env.SPOOL_PEER_LISTEN_HOST || '127.0.0.1';
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0']);

const isWildcard = (host) => host === undefined || host === null || WILDCARDS.has(String(host));
const isPortLike = (v) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v));

function rewriteArgs(args) {
  const [first] = args;
  // listen() / listen(cb) / listen(undefined|null, ...): random port on all interfaces
  if (first === undefined || first === null || typeof first === 'function') {
    const rest = first === undefined || first === null ? args.slice(1) : args;
    if (rest.length > 0 && typeof rest[0] === 'string' && !isWildcard(rest[0])) return args;
    if (rest.length > 0 && typeof rest[0] === 'string') rest.shift();
    return [0, LOOPBACK, ...rest];
  }
  // listen(port[, host][, backlog][, cb])
  if (isPortLike(first)) {
    const second = args[1];
    if (typeof second === 'string') {
      return isWildcard(second) ? [first, LOOPBACK, ...args.slice(2)] : args;
    }
    if (second === undefined || second === null) {
      // listen(port, undefined, ...) keeps its remaining arguments
      return args.length > 1 ? [first, LOOPBACK, ...args.slice(2)] : [first, LOOPBACK];
    }
    return [first, LOOPBACK, ...args.slice(1)];
  }
  // listen(options[, cb])
  if (typeof first === 'object') {
    if (first._handle || first.handle || first.fd !== undefined || first.path !== undefined) {
      return args;
    }
    if (isWildcard(first.host)) {
      return [{ ...first, host: LOOPBACK }, ...args.slice(1)];
    }
    return args;
  }
  // listen(path[, backlog][, cb]) and anything else: leave alone
  return args;
}

if (!net.Server.prototype[PATCHED]) {
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnLoopback(...args) {
    return originalListen.apply(this, rewriteArgs(args));
  };
  Object.defineProperty(net.Server.prototype, PATCHED, { value: originalListen });
}

module.exports = { rewriteArgs, LOOPBACK };
