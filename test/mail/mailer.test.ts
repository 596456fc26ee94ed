import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMailer, outboxDirectory } from '../../src/mail/create-mailer.ts';
import { OutboxMailer } from '../../src/mail/outbox-mailer.ts';
import { SmtpMailer } from '../../src/mail/smtp-mailer.ts';
import { invitationEmail, passwordResetEmail, publicBaseUrl } from '../../src/mail/templates.ts';
import { parseMail, type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';

const logger = createLogger('silent');

describe('mail over SMTP', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it('delivers text and HTML from MAIL_FROM to a real SMTP server', async () => {
    const config = loadConfig({
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://spool.test',
      MAIL_FROM: 'Spool <noreply@spool.test>',
    });
    const mailer = createMailer(config, logger);
    expect(mailer).toBeInstanceOf(SmtpMailer);
    try {
      await mailer.send({
        to: 'Ana@Example.com',
        subject: 'Grüße from Spool',
        text: 'Plain words, and a long line that goes on and on so that it must be wrapped by the encoder somewhere.',
        html: '<p>Rich <strong>words</strong></p>',
      });
      const mail = await sink.waitForMessage('ana@example.com');
      expect(mail.from).toBe('noreply@spool.test');
      expect(mail.headers.get('from')).toBe('Spool <noreply@spool.test>');
      expect(mail.subject).toBe('Grüße from Spool');
      expect(mail.text).toBe(
        'Plain words, and a long line that goes on and on so that it must be wrapped by the encoder somewhere.',
      );
      expect(mail.html).toBe('<p>Rich <strong>words</strong></p>');
    } finally {
      await mailer.close();
    }
  });

  it('reuses pooled connections for a burst of messages', async () => {
    const mailer = new SmtpMailer({ url: sink.url, from: 'spool@localhost', logger, maxConnections: 2 });
    const before = sink.connections();
    const already = sink.messages.length;
    try {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          mailer.send({ to: `burst${i}@example.com`, subject: `Burst ${i}`, text: `Message ${i}` }),
        ),
      );
      for (let i = 0; i < 12; i++) {
        const mail = await sink.waitForMessage(`burst${i}@example.com`, { after: already });
        expect(mail.text).toBe(`Message ${i}`);
      }
      expect(sink.connections() - before).toBeLessThanOrEqual(2);
    } finally {
      await mailer.close();
    }
  });

  it('rejects when the SMTP server cannot be reached, so callers can tell the user', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${closedPort}`, from: 'spool@localhost', logger });
    try {
      await expect(mailer.send({ to: 'x@example.com', subject: 's', text: 't' })).rejects.toThrow();
    } finally {
      await mailer.close();
    }
  });
});

describe('the outbox (no SMTP configured)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-mail-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('writes one private .eml file per message under <data dir>/mail, readable back', async () => {
    const config = loadConfig({ SPOOL_DATA_DIR: dataDir });
    const mailer = createMailer(config, logger);
    expect(mailer).toBeInstanceOf(OutboxMailer);
    const outbox = mailer as OutboxMailer;
    expect(outbox.directory).toBe(path.join(dataDir, 'mail'));
    expect(outboxDirectory(config)).toBe(path.join(dataDir, 'mail'));
    expect(await outbox.list()).toEqual([]);

    await mailer.send({ to: 'first@example.com', subject: 'First', text: 'One', html: '<p>One</p>' });
    await mailer.send({ to: 'second@example.com', subject: 'Second', text: 'Two' });

    const files = (await fs.readdir(outbox.directory)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    const stat = await fs.stat(path.join(outbox.directory, files[0]!));
    expect(stat.mode & 0o777).toBe(0o600);

    const entries = await outbox.list();
    expect(entries).toHaveLength(2);
    const newest = parseMail((await outbox.read(entries[0]!.id))!);
    const oldest = parseMail((await outbox.read(entries[1]!.id))!);
    expect(newest.subject).toBe('Second');
    expect(newest.headers.get('to')).toBe('second@example.com');
    expect(oldest.text).toBe('One');
    expect(oldest.html).toBe('<p>One</p>');
    expect(oldest.headers.get('from')).toBe('Spool <spool@localhost>');
  });

  it('never reads outside its folder', async () => {
    const outbox = new OutboxMailer(path.join(dataDir, 'mail'), 'spool@localhost');
    await fs.writeFile(path.join(dataDir, 'secret.eml'), 'not mail');
    expect(await outbox.read('../secret')).toBeUndefined();
    expect(await outbox.read('20240101T000000000Z-000000000000')).toBeUndefined();
  });
});

describe('email templates', () => {
  it('escape names in HTML and keep the link intact in both bodies', () => {
    const link = 'https://spool.example/invitations/accept?token=spool_inv_abc-_123';
    const mail = invitationEmail({
      link,
      organizationName: '<script>alert(1)</script> & Co',
      inviterName: 'Ana "the boss"',
      inviterEmail: 'ana@example.com',
      role: 'editor',
      validForDays: 7,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(mail.html).toContain('Ana &quot;the boss&quot;');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(link);
    expect(mail.text).toContain('as an editor');
    expect(mail.subject).toBe('Ana "the boss" invited you to <script>alert(1)</script> & Co on Spool');

    const reset = passwordResetEmail({ link: 'https://x.test/reset-password?token=t', validForMinutes: 60 });
    expect(reset.text).toContain('https://x.test/reset-password?token=t');
    expect(reset.text).toContain('60 minutes');
  });

  it('build links from PUBLIC_URL, else from the request origin', () => {
    expect(publicBaseUrl('https://spool.example.com/', 'http://127.0.0.1:3000')).toBe(
      'https://spool.example.com',
    );
    expect(publicBaseUrl(undefined, 'http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });
});
