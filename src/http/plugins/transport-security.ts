import helmet from 'helmet';
import type { Config } from '../../config/config.ts';
import type { App } from '../app.ts';

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * HTTPS and browser-safety headers. With FORCE_HTTPS, plain-HTTP requests are redirected (301) to
 * HTTPS, except the health checks: a load balancer's plain-HTTP probe must get its 200, or it marks
 * every server down. HSTS goes on HTTPS responses only.
 */
export async function registerTransportSecurity(app: App, config: Config): Promise<void> {
  // Built once: the Fastify plugin rebuilds the whole policy (parsing every CSP directive) on every
  // request, which cost more than a health check's own work.
  const securityHeaders = helmet({
    hsts: false, // set below, on HTTPS responses only
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:', 'https:'],
        'media-src': ["'self'", 'blob:', 'https:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'manifest-src': ["'self'"],
        'worker-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // The same as `frame-ancestors 'none'`, for browsers that only know the older header.
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!config.forceHttps || request.protocol === 'https' || request.routeOptions.config.health) return;
    return reply.redirect(httpsUrl(config, request.host, request.url), 301);
  });

  app.addHook('onSend', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
}

function httpsUrl(config: Config, host: string, path: string): string {
  if (config.publicUrl?.startsWith('https://')) return new URL(path, config.publicUrl).toString();
  const hostname = host.replace(/:\d+$/, '');
  // Serving TLS ourselves: send people to our HTTPS port. Behind a proxy: to the standard port.
  const port = config.tls && config.port !== 443 ? `:${config.port}` : '';
  return `https://${hostname}${port}${path}`;
}
