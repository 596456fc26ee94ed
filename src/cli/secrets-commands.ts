import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { connect } from '../db/connection.ts';
import { type RotationReport, rotateSecrets } from '../domain/accounts/rotate-secrets.ts';
import { SpoolError } from '../domain/errors.ts';
import { loadSecretBox, SECRET_KEY_FILE } from '../runtime/secret-key.ts';
import { generateSecretKey, keyId, parseSecretKey } from '../security/secret-box.ts';
import { invalidInput, say, withOperatorDatabase } from './user-commands.ts';

/**
 * `spool secrets rotate`: re-seals every encrypted value under the current key.
 *  - With SPOOL_SECRET_KEY, the operator sets the new key there, lists the old one in
 *    SPOOL_SECRET_KEYS_PREVIOUS (on every process), then runs this.
 *  - On the embedded default, `--new-key` first writes a new key file: the new key on the first line,
 *    the previous keys after it, so values sealed under them still open.
 */

const rotateInput = z.object({
  batchSize: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be between 1 and 10000' })
    .max(10_000, { message: 'must be between 1 and 10000' }),
});

export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('the key that encrypts social network tokens at rest');

  secrets
    .command('rotate')
    .description('re-seal every encrypted value under the current key (run after changing the key)')
    .option('--new-key', 'embedded default: generate a new key into the key file first, keeping the old ones')
    .option('--batch-size <rows>', 'rows re-sealed per transaction', '200')
    .action(async (options: { newKey?: boolean; batchSize: string }) => {
      const parsed = rotateInput.safeParse(options);
      if (!parsed.success) throw invalidInput(parsed.error, { batchSize: '--batch-size' });
      await withOperatorDatabase(async (db, { config, log }) => {
        if (options.newKey && config.secretKey)
          throw new SpoolError(
            'secrets.key_is_configured',
            'The key comes from SPOOL_SECRET_KEY, so Spool cannot replace it. Generate a new one ' +
              '(`openssl rand -hex 32`), set it as SPOOL_SECRET_KEY and move the old one to ' +
              'SPOOL_SECRET_KEYS_PREVIOUS on every process, restart them, then run `spool secrets rotate`.',
          );
        // One rotation at a time: two runs of --new-key would each drop the other's new key.
        const lockSql = connect(db.url, { max: 1, applicationName: 'spool-cli-secrets-lock' });
        try {
          const [lock] = await lockSql<{ locked: boolean }[]>`
            select pg_try_advisory_lock(hashtext('spool.secrets.rotate')) as locked`;
          if (!lock!.locked)
            throw new SpoolError(
              'secrets.rotation_running',
              'Another `spool secrets rotate` is running on this database; wait for it to finish.',
              'conflict',
            );
          const keyFile = path.join(config.dataDir, SECRET_KEY_FILE);
          if (options.newKey) {
            const added = await prependNewKey(keyFile);
            say(
              `Wrote a new key (id ${added.keyId}) to ${keyFile}; kept ${added.previousKeys} previous key(s).`,
            );
          }
          const box = await loadSecretBox(config, log);
          const report = await rotateSecrets(db.sql, box, { batchSize: parsed.data.batchSize });
          printReport(report);
          if (report.failed > 0 || report.unregisteredColumns.length > 0) {
            process.exitCode = 1;
            say('Keep the previous key(s) until this command reports no failures and no warnings.');
          } else if (config.secretKey) {
            say('Every value is under the current key: the old key can leave SPOOL_SECRET_KEYS_PREVIOUS.');
          } else {
            say(
              `Every value is under the current key. The lines after the first in ${keyFile} are only ` +
                'needed to restore older database backups: keep them with those backups.',
            );
          }
        } finally {
          await lockSql.end({ timeout: 5 });
        }
      });
    });
}

/** Writes "new key\nold keys..." atomically (temporary file + rename), readable by the operator only. */
async function prependNewKey(file: string): Promise<{ keyId: string; previousKeys: number }> {
  const existing = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const previous = existing
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (previous.some((line) => !parseSecretKey(line)))
    throw new SpoolError(
      'secrets.key_file_invalid',
      `${file} holds a line that is not a 32-byte key; fix it (one base64url or hex key per line) before rotating.`,
    );
  const fresh = generateSecretKey();
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${[fresh, ...previous].join('\n')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable, so a crash cannot bring back the file without the new key.
  const directory = await fs.open(dir, 'r');
  await directory.sync().finally(() => directory.close());
  return { keyId: keyId(parseSecretKey(fresh)!), previousKeys: previous.length };
}

function printReport(report: RotationReport): void {
  say(`Current key: ${report.keyId}`);
  if (report.columns.length === 0) say('No encrypted columns are registered yet: nothing to re-seal.');
  for (const c of report.columns) {
    say(
      `${c.table}.${c.column}: ${c.resealed} re-sealed, ${c.alreadyCurrent} already current, ${c.failed} failed`,
    );
    for (const f of c.failures) say(`  row ${f.id}: ${f.reason}`);
    if (c.failed > c.failures.length) say(`  ...and ${c.failed - c.failures.length} more`);
  }
  if (report.unregisteredColumns.length > 0)
    say(
      `Warning: ${report.unregisteredColumns.join(', ')} look encrypted (named *_sealed) but no module ` +
        'registered them for rotation, so they were not re-sealed.',
    );
  say(`Re-sealed ${report.resealed} value(s); ${report.failed} could not be opened with any configured key.`);
}
