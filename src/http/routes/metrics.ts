import { Gauge, Registry } from 'prom-client';
import type { Sql } from '../../db/connection.ts';
import type { App } from '../app.ts';

/**
 * `/metrics` in Prometheus' text format: this process's counters (publish lag, outcomes, in flight)
 * plus deployment-wide gauges read from PostgreSQL at scrape time (due backlog, worker heartbeats).
 * Like the health checks it needs no sign-in; expose it only on a network your Prometheus can reach.
 */
export function registerMetricsRoute(app: App, deps: { sql: Sql; registry: Registry | undefined }): void {
  const registry = deps.registry ?? new Registry();
  const { sql } = deps;
  new Gauge({
    name: 'spool_publish_due_backlog',
    help: 'Post targets that are due and not yet published (all workers)',
    registers: [registry],
    async collect() {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from post_targets where status in ('queued', 'scheduled') and due_at <= now()`;
      this.set(row?.n ?? 0);
    },
  });
  new Gauge({
    name: 'spool_process_heartbeat_age_seconds',
    help: 'Seconds since each live Spool process last beat its heartbeat',
    labelNames: ['role', 'process'],
    registers: [registry],
    async collect() {
      const rows = await sql<{ id: string; role: string; age: number }[]>`
        select id, role, extract(epoch from now() - heartbeat_at)::float8 as age
        from spool_processes where stopped_at is null and heartbeat_at > now() - interval '1 hour'`;
      this.reset();
      for (const r of rows) this.set({ role: r.role, process: r.id }, r.age);
    },
  });

  app.get('/metrics', { config: { access: 'public', health: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
