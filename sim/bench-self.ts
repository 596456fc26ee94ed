import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

/**
 * How fast is the simulator itself? Runs it in a child process (so the load generator does not share
 * its event loop) and prints requests/s of Mastodon POST /api/v1/statuses.
 *   node --import tsx sim/bench-self.ts [--seconds 5] [--concurrency 200]
 *     [--burst 10000 --burst-median 100 --burst-sockets 10000,1000]
 * The load generator shares the machine's cores with the simulator, so on a small machine the
 * figures are a floor; the simulator's own CPU per request says how much headroom it has.
 */

interface Target {
  host: string;
  port: number;
  token: string;
}

function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/main.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** CPU time (user + system, ms) the simulator process has used so far; Linux only, else NaN. */
function cpuMs(child: ChildProcess): number {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
  } catch {
    return Number.NaN;
  }
}

function post(agent: Agent, target: Target, path: string, body: string, headers: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.host,
        port: target.port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function createAccount(url: string): Promise<Target> {
  const res = await fetch(`${url}/_sim/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ network: 'mastodon' }),
  });
  const account = (await res.json()) as { accessToken: string };
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), token: account.accessToken };
}

function status(agent: Agent, target: Target, n: number): Promise<number> {
  return post(agent, target, '/mastodon/api/v1/statuses', JSON.stringify({ status: `bench post ${n}` }), {
    authorization: `Bearer ${target.token}`,
    'idempotency-key': `bench-${n}`,
  });
}

async function throughput(seconds: number, concurrency: number): Promise<void> {
  const { child, url } = await startChild(['--latency-ms', '0']);
  try {
    const target = await createAccount(url);
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    let n = 0;
    let ok = 0;
    const run = async (until: number) => {
      while (Date.now() < until) if ((await status(agent, target, n++)) === 200) ok++;
    };
    await Promise.all(Array.from({ length: concurrency }, () => run(Date.now() + 1000))); // warm-up
    ok = 0;
    const cpuBefore = cpuMs(child);
    const started = Date.now();
    await Promise.all(Array.from({ length: concurrency }, () => run(started + seconds * 1000)));
    const elapsed = (Date.now() - started) / 1000;
    const cpuPerRequest = ((cpuMs(child) - cpuBefore) * 1000) / ok;
    process.stdout.write(
      `POST /api/v1/statuses, latency 0, concurrency ${concurrency}: ${Math.round(ok / elapsed)} requests/s ` +
        `(${ok} in ${elapsed.toFixed(1)} s; simulator CPU ${cpuPerRequest.toFixed(0)} µs/request, ` +
        `i.e. ~${Math.round(1e6 / cpuPerRequest)} requests/s per core)\n`,
    );
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
  }
}

async function burst(total: number, sockets: number, medianMs: number): Promise<void> {
  const { child, url } = await startChild([
    '--latency-median',
    String(medianMs),
    '--latency-p99',
    String(medianMs * 3),
  ]);
  try {
    const target = await createAccount(url);
    const agent = new Agent({ keepAlive: true, maxSockets: sockets });
    const cpuBefore = cpuMs(child);
    const clientBefore = process.cpuUsage();
    const started = Date.now();
    const durations: number[] = [];
    const codes = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const t0 = Date.now();
        const code = await status(agent, target, i);
        durations.push(Date.now() - t0);
        return code;
      }),
    );
    const elapsed = Date.now() - started;
    const cpu = cpuMs(child) - cpuBefore;
    const client = process.cpuUsage(clientBefore);
    const clientMs = (client.user + client.system) / 1000;
    durations.sort((a, b) => a - b);
    const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))];
    const ok = codes.filter((c) => c === 200).length;
    process.stdout.write(
      `${total} posts at once over ${sockets} sockets, latency median ${medianMs} ms (p99 ${medianMs * 3}): ` +
        `all answered in ${elapsed} ms, ${ok} ok; per request p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; ` +
        `CPU: simulator ${cpu.toFixed(0)} ms, load generator ${clientMs.toFixed(0)} ms\n`,
    );
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
  }
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '200' },
    burst: { type: 'string', default: '10000' },
    'burst-median': { type: 'string', default: '100' },
    'burst-sockets': { type: 'string', default: '10000,1000' },
  },
});
await throughput(Number(values.seconds), Number(values.concurrency));
if (Number(values.burst) > 0) {
  for (const sockets of values['burst-sockets'].split(',')) {
    await burst(Number(values.burst), Number(sockets), Number(values['burst-median']));
  }
}
