import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaultConfig, FaultSettings } from './faults.ts';
import { startSimulator } from './server.ts';

/**
 * `node --import tsx sim/main.ts --port 4010 --latency-median 100 --latency-p99 400 --error-rate 0.01`
 * Starts the network simulator and prints its URL; Ctrl-C stops it.
 */

const USAGE = `Usage: sim/main.ts [options]
  --port <n>                   port (default 4010; 0 = any free port)
  --host <addr>                address (default 127.0.0.1)
  --seed <n>                   PRNG seed (default 1)
  --latency-ms <n>             fixed latency
  --latency-median <n>         log-normal latency median (ms)
  --latency-p99 <n>            log-normal latency p99 (ms, default 3 x median)
  --error-rate <p>             probability of 500/502/503
  --rate-limit-rate <p>        probability of 429
  --retry-after <s>            Retry-After of injected 429s (default 30)
  --timeout-after-store-rate <p>  probability that a request is stored but never answered
  --hang-ms <n>                how long such a request hangs before its connection drops (default 30000)
  --drop-rate <p>              probability that the connection drops before anything is stored
  --expired-token-rate <p>     probability that the presented token expires
  --writes-only                probabilistic faults only on non-GET requests
  --faults <json|@file>        full fault settings ({ global, networks, accounts, seed })
  --media-processing-ms <n>    Mastodon media processing time (default 50)
`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${value}"`);
  return n;
}

function parseFaults(values: Record<string, string | boolean | undefined>): FaultSettings {
  const str = (name: string) => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  let settings: FaultSettings = {};
  const raw = str('faults');
  if (raw !== undefined) {
    settings = JSON.parse(raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw) as FaultSettings;
  }
  const global: FaultConfig = { ...settings.global };
  const fixed = number(str('latency-ms'), 'latency-ms');
  const median = number(str('latency-median'), 'latency-median');
  if (median !== undefined) {
    const p99 = number(str('latency-p99'), 'latency-p99') ?? median * 3;
    global.latency = { kind: 'lognormal', medianMs: median, p99Ms: p99 };
  } else if (fixed !== undefined) {
    global.latency = { kind: 'fixed', ms: fixed };
  }
  const rates: [string, keyof FaultConfig][] = [
    ['error-rate', 'serverErrorRate'],
    ['rate-limit-rate', 'rateLimitRate'],
    ['retry-after', 'retryAfterSeconds'],
    ['timeout-after-store-rate', 'timeoutAfterStoreRate'],
    ['hang-ms', 'hangMs'],
    ['drop-rate', 'dropBeforeStoreRate'],
    ['expired-token-rate', 'expiredTokenRate'],
  ];
  const numeric: Record<string, number> = {};
  for (const [flag, key] of rates) {
    const n = number(str(flag), flag);
    if (n !== undefined) numeric[key] = n;
  }
  Object.assign(global, numeric);
  if (values['writes-only'] === true) global.scope = 'writes';
  return { ...settings, global };
}

async function main(): Promise<void> {
  const string = { type: 'string' } as const;
  const { values } = parseArgs({
    options: {
      port: string,
      host: string,
      seed: string,
      'latency-ms': string,
      'latency-median': string,
      'latency-p99': string,
      'error-rate': string,
      'rate-limit-rate': string,
      'retry-after': string,
      'timeout-after-store-rate': string,
      'hang-ms': string,
      'drop-rate': string,
      'expired-token-rate': string,
      'writes-only': { type: 'boolean' },
      faults: string,
      'media-processing-ms': string,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sim = await startSimulator({
    port: number(values.port, 'port') ?? 4010,
    host: values.host,
    seed: number(values.seed, 'seed'),
    faults: parseFaults(values),
    mastodon: { mediaProcessingMs: number(values['media-processing-ms'], 'media-processing-ms') },
  });
  process.stdout.write(`simulator listening on ${sim.url}\n`);
  process.stdout.write(
    `  mastodon: ${sim.url}/mastodon\n  x:        ${sim.url}/x\n  control:  ${sim.url}/_sim/\n`,
  );
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
});
