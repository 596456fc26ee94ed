import type { Readiness } from '../../runtime/readiness.ts';
import type { App } from '../app.ts';

/**
 * `/livez` and `/readyz`: answered on every port and scheme, never redirected, never behind auth,
 * so that a load balancer's plain-HTTP check cannot take the service down.
 */
export function registerHealthRoutes(app: App, readiness: Readiness): void {
  app.get('/livez', { config: { access: 'public', health: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: 'public', health: true } }, async (_request, reply) => {
    const report = await readiness.check();
    reply.header('cache-control', 'no-store');
    return reply.status(report.ready ? 200 : 503).send(report);
  });
}
