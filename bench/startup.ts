/**
 * Time from `spool start` to a 200 from /readyz, on a first start (initdb included) and on warm
 * starts, and the idle memory of Spool plus its embedded PostgreSQL. Prints JSON.
 *   npm run bench:startup [-- --warm-runs 5]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'warm-runs': { type: 'string', default: '5' } } });
const warmRuns = Number(values['warm-runs']);
const bin = new URL('../bin/spool.js', import.meta.url).pathname;

async function timeToReady(dataDir: string) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'start', '--port', '0'], {
    env: { ...process.env, SPOOL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.match(/running at (\S+)/);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`spool exited: ${out}`)));
  });
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { ms: performance.now() - started, child };
}

/** Sums resident and proportional set sizes over a process and all its descendants. */
async function memoryOfTree(rootPid: number) {
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) {
    const children = await fs.readFile(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').catch(() => '');
    pids.push(...children.split(' ').filter(Boolean).map(Number));
  }
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    const rollup = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    rss += Number(rollup.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
    pss += Number(rollup.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
  }
  return {
    processes: pids.length,
    rss_mb: Math.round(rss / 102.4) / 10,
    pss_mb: Math.round(pss / 102.4) / 10,
  };
}

async function stop(child: ReturnType<typeof spawn>) {
  const started = performance.now();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const code = await exited;
  return { ms: performance.now() - started, code };
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-startup-'));
await fs.chmod(dir, 0o755);
try {
  const first = await timeToReady(dir);
  await new Promise((r) => setTimeout(r, 5_000)); // let it settle before measuring idle memory
  const idle = await memoryOfTree(first.child.pid!);
  const firstStop = await stop(first.child);
  const warm: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < warmRuns; i++) {
    const run = await timeToReady(dir);
    warm.push(run.ms);
    stops.push((await stop(run.child)).ms);
  }
  warm.sort((a, b) => a - b);
  const r = (n: number) => Math.round(n);
  process.stdout.write(
    `${JSON.stringify(
      {
        machine: { cores: os.cpus().length, node: process.version },
        first_start_ready_ms: r(first.ms),
        warm_start_ready_ms: {
          median: r(warm[Math.floor(warm.length / 2)]!),
          max: r(warm.at(-1)!),
          runs: warm.length,
        },
        sigterm_exit_ms: {
          first: r(firstStop.ms),
          max_warm: r(Math.max(...stops)),
          exit_code: firstStop.code,
        },
        idle_memory: idle,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
