import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../ports/mailer.ts';
import { OutboxMailer } from './outbox-mailer.ts';
import { SmtpMailer } from './smtp-mailer.ts';

/** The folder the embedded default writes mail into. */
export function outboxDirectory(config: Config): string {
  return path.join(config.dataDir, 'mail');
}

/** SMTP when an operator configured it; otherwise the outbox folder under the data directory. */
export function createMailer(config: Config, logger: Logger): Mailer {
  if (config.smtpUrl) {
    if (!config.publicUrl) {
      // Without PUBLIC_URL, links in emails follow the Host header of the request that caused them.
      logger.warn('SMTP_URL is set but PUBLIC_URL is not: set PUBLIC_URL so links in emails are trustworthy');
    }
    return new SmtpMailer({ url: config.smtpUrl, from: config.mailFrom, logger });
  }
  const directory = outboxDirectory(config);
  logger.debug({ directory }, 'no SMTP_URL: email goes to the outbox folder');
  return new OutboxMailer(directory, config.mailFrom);
}
