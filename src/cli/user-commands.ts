import { type Command, Option } from 'commander';
import { z } from 'zod';
import { type Config, loadConfig } from '../config/config.ts';
import type { Sql } from '../db/connection.ts';
import { migrateUp, migrationStatus } from '../db/migrate.ts';
import { ROLES, type Role } from '../domain/accounts/roles.ts';
import {
  emailSchema,
  organizationNameSchema,
  passwordSchema,
  personNameSchema,
} from '../domain/accounts/schemas.ts';
import { signUp } from '../domain/accounts/sign-up.ts';
import { SpoolError } from '../domain/errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { type Database, openDatabase } from '../runtime/database.ts';

/**
 * Operator commands for people: `spool user create` and `spool user list`. This file also holds the
 * plumbing every operator command shares (opening the database, reporting bad input).
 */

export const say = (line: string) => process.stdout.write(`${line}\n`);

export interface OperatorContext {
  config: Config;
  log: Logger;
}

/**
 * Opens the database for one operator command and closes it after. The schema is brought up to date
 * first when SPOOL_MIGRATE_ON_START allows it (as `spool start` would), so a fresh install can
 * create its first user before ever starting.
 */
export async function withOperatorDatabase<T>(
  task: (db: Database, context: OperatorContext) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  // The logger writes to standard output, which belongs to the command's result (`--json`, a token):
  // only errors, unless the operator asks for debugging.
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'spool', 'stderr');
  const db = await openDatabase(config, log, 'spool-cli');
  try {
    const { pending } = await migrationStatus(db.sql);
    if (pending.length > 0) {
      if (!config.migrateOnStart)
        throw new SpoolError(
          'database.migrations_pending',
          `The database needs ${pending.length} migration(s) first: run \`spool migrate up\`.`,
        );
      await migrateUp(db.sql, log);
    }
    return await task(db, { config, log });
  } finally {
    await db.close();
  }
}

/** Turns a zod failure into one message naming each flag, as the HTTP API names each field. */
export function invalidInput(error: z.ZodError, flags: Record<string, string>): SpoolError {
  const problems = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    return `${flags[key] ?? key}: ${issue.message}`;
  });
  return new SpoolError('cli.invalid_input', `The input is not valid:\n  ${problems.join('\n  ')}`);
}

/** Names and emails come from users; strip control characters so they cannot drive the terminal. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

const createUserInput = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: personNameSchema.optional(),
  organizationName: organizationNameSchema.optional(),
  role: z.enum(ROLES),
});

const createUserFlags = {
  email: '--email',
  password: 'password (standard input)',
  name: '--name',
  organizationName: '--org',
  role: '--role',
};

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('create and list the people who can sign in');

  user
    .command('create')
    .description('create a user; the password is read from standard input, never from the command line')
    .requiredOption('--email <email>', 'their email address (they sign in with it)')
    .requiredOption(
      '--password-stdin',
      'read the password from standard input (e.g. printf \'%s\' "$PASSWORD" | spool user create ...)',
    )
    .option('--name <name>', 'their name')
    .option('--org <name>', 'join the organization of this name, or create it if there is none')
    .addOption(new Option('--role <role>', 'their role in the organization').choices(ROLES).default('owner'))
    .action(async (options: { email: string; name?: string; org?: string; role: Role }) => {
      const password = await readPassword();
      const parsed = createUserInput.safeParse({
        email: options.email,
        password,
        name: options.name,
        organizationName: options.org,
        role: options.role,
      });
      if (!parsed.success) throw invalidInput(parsed.error, createUserFlags);
      const input = parsed.data;
      await withOperatorDatabase(async ({ sql }) => {
        const created = await signUp(sql, input, {
          role: input.role,
          joinExistingOrganization: input.organizationName !== undefined,
        }).catch((error: unknown) => {
          if (error instanceof SpoolError && error.code === 'user.email_taken')
            throw new SpoolError(
              'user.email_taken',
              `A user with the email ${input.email} already exists (see \`spool user list\`).`,
              'conflict',
            );
          throw error;
        });
        const [org] = await sql<{ name: string; members: number; namesakes: number }[]>`
          select o.name,
                 (select count(*)::int from memberships m where m.organization_id = o.id) as members,
                 (select count(*)::int from organizations n where n.name = o.name) as namesakes
          from organizations o where o.id = ${created.organizationId}`;
        say(`Created user ${input.email} (id ${created.userId}).`);
        const orgName = printable(org!.name);
        if (org!.members > 1)
          say(`Joined organization "${orgName}" (id ${created.organizationId}) as ${created.role}.`);
        else say(`Created organization "${orgName}" (id ${created.organizationId}); role: ${created.role}.`);
        if (org!.namesakes > 1)
          say(`Note: ${org!.namesakes} organizations are named "${orgName}"; this one is the oldest.`);
      });
    });

  user
    .command('list')
    .description('list every user with their organizations and roles')
    .option('--json', 'print JSON (one array) instead of a table')
    .action((options: { json?: boolean }) =>
      withOperatorDatabase(async ({ sql }) => {
        const users = await listUsers(sql);
        if (options.json) say(JSON.stringify(users, null, 2));
        else if (users.length === 0)
          say('No users yet. Create one with `spool user create --email <email> --password-stdin`.');
        else
          printTable(
            ['EMAIL', 'NAME', 'ORGANIZATIONS', 'CREATED'],
            users.map((u) => [
              u.email,
              u.name,
              u.organizations.map((o) => `${o.name} (${o.role})`).join(', ') || '-',
              u.createdAt.slice(0, 10),
            ]),
          );
      }),
    );
}

export interface ListedUser {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  organizations: { id: string; name: string; role: Role }[];
}

async function listUsers(sql: Sql): Promise<ListedUser[]> {
  const rows = await sql<
    {
      id: string;
      email: string;
      name: string;
      created_at: Date;
      organizations: ListedUser['organizations'];
    }[]
  >`
    select u.id, u.email, u.name, u.created_at,
           coalesce(json_agg(json_build_object('id', o.id, 'name', o.name, 'role', m.role)
                             order by o.name) filter (where o.id is not null), '[]') as organizations
    from users u
    left join memberships m on m.user_id = u.id
    left join organizations o on o.id = m.organization_id
    group by u.id
    order by u.created_at, u.email`;
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    organizations: r.organizations,
  }));
}

function printTable(header: string[], rows: string[][]): void {
  const cells = [header, ...rows.map((row) => row.map(printable))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells)
    say(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/**
 * The password arrives on standard input so that it stays out of shell history and `ps`. From a
 * pipe we take everything but the final newline; at a terminal we ask twice without echoing.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    const second = await promptHidden('Password again: ');
    if (first !== second) throw new SpoolError('cli.password_mismatch', 'The two passwords differ.');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '')
    throw new SpoolError(
      'cli.password_missing',
      'No password arrived on standard input. Pipe it in, e.g. ' +
        'printf \'%s\' "$PASSWORD" | spool user create --email ana@example.com --password-stdin',
    );
  return password;
}

function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (text: string) => {
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          return resolve(typed.join(''));
        }
        if (char === '\u0003') {
          finish();
          return reject(new SpoolError('cli.cancelled', 'Cancelled.'));
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed.push(char);
      }
    };
    stdin.on('data', onData);
  });
}
