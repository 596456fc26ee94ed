import type { Command } from 'commander';
import { z } from 'zod';
import { createPersonalToken } from '../domain/accounts/api-tokens.ts';
import { SCOPES } from '../domain/accounts/roles.ts';
import { emailSchema } from '../domain/accounts/schemas.ts';
import { SpoolError } from '../domain/errors.ts';
import { invalidInput, say, withOperatorDatabase } from './user-commands.ts';

/** `spool token create`: an API token for a user, for scripts run by the operator. */

const createTokenInput = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(100),
  scopes: z
    .string()
    .transform((list) => [
      ...new Set(
        list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z
        .array(z.enum(SCOPES, { message: `each must be one of ${SCOPES.join(', ')}` }))
        .min(1, { message: 'name at least one scope' }),
    ),
  expiresInDays: z.coerce
    .number({ message: 'must be a number of days' })
    .int({ message: 'must be a whole number of days' })
    .min(1, { message: 'must be between 1 and 3650' })
    .max(3650, { message: 'must be between 1 and 3650' })
    .optional(),
});

const createTokenFlags = {
  email: '--email',
  name: '--name',
  scopes: '--scopes',
  expiresInDays: '--expires-in-days',
};

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for scripts');

  token
    .command('create')
    .description('create a personal API token for a user; it is printed once, on the last line')
    .requiredOption('--email <email>', 'the user the token acts as')
    .option('--name <name>', 'a label to recognise it by', `Created with spool token create`)
    .option('--scopes <list>', `comma-separated: ${SCOPES.join(',')}`, 'read,write')
    .option('--expires-in-days <days>', 'make it stop working after this many days (default: never)')
    .action(async (options: { email: string; name: string; scopes: string; expiresInDays?: string }) => {
      const parsed = createTokenInput.safeParse(options);
      if (!parsed.success) throw invalidInput(parsed.error, createTokenFlags);
      const input = parsed.data;
      await withOperatorDatabase(async ({ sql }) => {
        const [user] = await sql<{ id: string }[]>`select id from users where lower(email) = ${input.email}`;
        if (!user)
          throw new SpoolError(
            'user.not_found',
            `No user has the email ${input.email} (see \`spool user list\`).`,
            'not_found',
          );
        const { token: secret, view } = await createPersonalToken(sql, user.id, input);
        const expiry = view.expiresAt ? `expires ${view.expiresAt.toISOString()}` : 'never expires';
        say(
          `Created API token "${input.name}" for ${input.email} (scopes: ${view.scopes.join(', ')}; ${expiry}).`,
        );
        say('It is shown only this once: store it now. Send it as `Authorization: Bearer <token>`.');
        say(secret);
      });
    });
}
