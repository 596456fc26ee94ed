/** One email to one person. `text` is always sent; `html` is the optional rich alternative. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * How the domain sends email, whatever carries it (SMTP, or the outbox folder of the embedded
 * default). `send` resolves once the message is handed over and rejects when it could not be.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Releases pooled connections; messages already handed over are not lost. */
  close(): Promise<void>;
}
