import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import {
  PASSWORD_RESET_TTL_MINUTES,
  resetPassword,
  sendPasswordReset,
  throttlePasswordResetRequest,
} from '../../domain/accounts/password-reset.ts';
import { emailSchema, passwordSchema } from '../../domain/accounts/schemas.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { App } from '../app.ts';
import { originOf } from '../plugins/auth.ts';
import { publicBase } from '../public-base.ts';

interface Deps {
  sql: Sql;
  config: Config;
  mailer: Mailer;
}

/** The one answer to every reset request, so it never tells whether an account exists. */
const RESET_REQUESTED = {
  message: `If an account uses this email address, we have sent it a link to choose a new password. The link works once, for ${PASSWORD_RESET_TTL_MINUTES} minutes.`,
};

/** "Forgot your password?": ask for a link by email, then set a new password with it. */
export function registerPasswordResetRoutes(app: App, { sql, config, mailer }: Deps): void {
  // Mail goes out after the answer, so the answer takes as long whether or not the account exists;
  // closing the app waits for mail already on its way.
  const deliveries = new Set<Promise<void>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled(deliveries);
  });

  app.post(
    '/api/auth/password-reset',
    {
      config: { access: 'public' },
      schema: {
        tags: ['accounts'],
        summary: 'Email a password reset link (the answer is the same whether or not the account exists)',
        body: z.object({ email: emailSchema }),
      },
    },
    async (request, reply) => {
      const { email } = request.body;
      await throttlePasswordResetRequest(sql, email, request.ip);
      const baseUrl = publicBase(config, request);
      const delivery = sendPasswordReset(sql, mailer, { email, baseUrl }, originOf(request)).catch(
        (error: unknown) => request.log.error({ err: error }, 'password reset email failed'),
      );
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
      return reply.status(202).send(RESET_REQUESTED);
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      config: { access: 'public' },
      schema: {
        tags: ['accounts'],
        summary: 'Set a new password with the token from a reset link (signs out every session)',
        body: z.object({ token: z.string().min(1).max(200), newPassword: passwordSchema }),
      },
    },
    async (request, reply) => {
      await resetPassword(sql, request.body, originOf(request));
      return reply.status(204).send();
    },
  );
}
