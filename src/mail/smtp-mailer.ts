import nodemailer from 'nodemailer';
import type { Logger } from '../logger.ts';
import type { Mailer, MailMessage } from '../ports/mailer.ts';

export interface SmtpMailerOptions {
  /** smtp:// or smtps:// with optional user:password@; credentials never reach a log line. */
  url: string;
  from: string;
  logger: Logger;
  maxConnections?: number;
}

/**
 * Sends over SMTP through a pool of reused connections, so a burst of mail (digests, invitations)
 * costs one TLS handshake per connection rather than per message.
 */
export class SmtpMailer implements Mailer {
  private readonly transport;
  private readonly logger: Logger;

  constructor(options: SmtpMailerOptions) {
    this.logger = options.logger;
    this.transport = nodemailer.createTransport(
      {
        url: options.url,
        pool: true,
        maxConnections: options.maxConnections ?? 5,
        // Nodemailer waits minutes by default; a request that sends mail should fail in seconds.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      },
      { from: options.from },
    );
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
      });
    } catch (error) {
      // The message text may hold a single-use link, so only the failure and the subject are logged.
      this.logger.warn({ err: error, subject: message.subject }, 'SMTP delivery failed');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
