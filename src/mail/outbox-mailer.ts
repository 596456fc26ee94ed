import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../ports/mailer.ts';

export interface OutboxEntry {
  /** The file name without `.eml`; sortable by time. */
  id: string;
  createdAt: Date;
  sizeBytes: number;
}

const ENTRY_ID = /^\d{8}T\d{9}Z-[0-9a-f]{12}$/;

/**
 * The embedded default when no SMTP server is configured: every message is written as one RFC 5322
 * `.eml` file into a folder, where the operator (and later the dashboard) can read it. Files are
 * private to Spool's user because they carry single-use links.
 */
export class OutboxMailer implements Mailer {
  // Nodemailer composes the message exactly as it would for SMTP; only the delivery differs.
  private readonly composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });

  constructor(
    readonly directory: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const info = await this.composer.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
    });
    const raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    const id = newEntryId(new Date());
    const file = path.join(this.directory, `${id}.eml`);
    // Written beside the final name and renamed, so a reader never sees half a message.
    const partial = `${file}.partial`;
    await fs.writeFile(partial, raw, { mode: 0o600 });
    await fs.rename(partial, file);
  }

  /** The newest messages first. */
  async list(limit = 100): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const ids = names
      .filter((n) => n.endsWith('.eml'))
      .map((n) => n.slice(0, -4))
      .filter((id) => ENTRY_ID.test(id))
      .sort()
      .reverse()
      .slice(0, limit);
    return Promise.all(
      ids.map(async (id) => {
        const stat = await fs.stat(path.join(this.directory, `${id}.eml`));
        return { id, createdAt: stat.mtime, sizeBytes: stat.size };
      }),
    );
  }

  /** The raw message, or undefined for an unknown id (ids are checked, so no path escapes the folder). */
  async read(id: string): Promise<string | undefined> {
    if (!ENTRY_ID.test(id)) return undefined;
    try {
      return await fs.readFile(path.join(this.directory, `${id}.eml`), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {}
}

function newEntryId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(6).toString('hex')}`;
}
