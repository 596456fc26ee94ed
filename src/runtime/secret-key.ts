import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { generateSecretKey, parseSecretKey, SecretBox } from '../security/secret-box.ts';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key that encrypts social tokens at rest. Operators of a shared database set SPOOL_SECRET_KEY
 * (config refuses to start without it); on the embedded default Spool generates one into the data
 * folder on first start, readable by the operator only.
 */
export async function loadSecretBox(config: Config, log: Logger): Promise<SecretBox> {
  if (config.secretKey) return new SecretBox(config.secretKey, [...config.previousSecretKeys]);
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    await fs.mkdir(config.dataDir, { recursive: true });
    text = generateSecretKey();
    await fs
      .writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' })
      .catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
        text = await fs.readFile(file, 'utf8'); // another process created it first
      });
    log.info({ file }, 'generated the key that encrypts social tokens at rest; back it up with the database');
  }
  const lines = text.split('\n').filter((l) => l.trim());
  const keys = lines.map((l) => parseSecretKey(l));
  if (keys.length === 0 || keys.some((k) => !k)) throw new Error(`${file} does not hold a valid 32-byte key`);
  // The first line is the current key; later lines are previous keys kept for rotation.
  return new SecretBox(keys[0]!, keys.slice(1) as Buffer[]);
}
