/**
 * The emails Spool sends about accounts: plain text first (read by every client), with a simple
 * HTML alternative. Every value from a person (names, organization names) is escaped in the HTML.
 */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Links point at PUBLIC_URL when the operator set it, else at the address the request came to. */
export function publicBaseUrl(publicUrl: string | undefined, requestOrigin: string): string {
  return (publicUrl ?? requestOrigin).replace(/\/+$/, '');
}

export function passwordResetLink(baseUrl: string, token: string): string {
  return `${baseUrl}/reset-password?token=${encodeURIComponent(token)}`;
}

export function invitationLink(baseUrl: string, token: string): string {
  return `${baseUrl}/invitations/accept?token=${encodeURIComponent(token)}`;
}

export function passwordResetEmail(input: { link: string; validForMinutes: number }): RenderedEmail {
  const text = [
    'Someone (hopefully you) asked to reset the password of your Spool account.',
    '',
    `Choose a new password here (the link works once, for ${input.validForMinutes} minutes):`,
    input.link,
    '',
    'Resetting your password signs you out everywhere.',
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ].join('\n');
  const html = layout(`
    <p>Someone (hopefully you) asked to reset the password of your Spool account.</p>
    <p>${button(input.link, 'Choose a new password')}</p>
    <p>The link works once, for ${input.validForMinutes} minutes. Resetting your password signs you out everywhere.</p>
    <p>If you did not ask for this, ignore this email: your password stays as it is.</p>
    ${fallbackLink(input.link)}`);
  return { subject: 'Reset your Spool password', text, html };
}

export function invitationEmail(input: {
  link: string;
  organizationName: string;
  inviterName: string;
  inviterEmail: string;
  role: string;
  validForDays: number;
}): RenderedEmail {
  const inviter = input.inviterName ? `${input.inviterName} (${input.inviterEmail})` : input.inviterEmail;
  const organization = oneLine(input.organizationName);
  const text = [
    `${inviter} invited you to join "${organization}" on Spool as ${article(input.role)} ${input.role}.`,
    '',
    `Accept the invitation here (it is valid for ${input.validForDays} days):`,
    input.link,
    '',
    'Sign in, or create an account, with the address this email was sent to.',
    'If you did not expect this invitation, ignore this email.',
  ].join('\n');
  const html = layout(`
    <p>${escapeHtml(inviter)} invited you to join <strong>${escapeHtml(organization)}</strong> on Spool
    as ${article(input.role)} ${escapeHtml(input.role)}.</p>
    <p>${button(input.link, 'Accept the invitation')}</p>
    <p>The invitation is valid for ${input.validForDays} days. Sign in, or create an account, with the
    address this email was sent to.</p>
    <p>If you did not expect this invitation, ignore this email.</p>
    ${fallbackLink(input.link)}`);
  const who = input.inviterName ? oneLine(input.inviterName) : input.inviterEmail;
  return { subject: `${who} invited you to ${organization} on Spool`, text, html };
}

/** A publishing problem the author must act on (failed, unconfirmed, channel disconnected). */
export function publishingProblemEmail(input: { title: string; body: string; link: string }): RenderedEmail {
  const text = [input.body, '', `Open Spool to act on it: ${input.link}`].join('\n');
  const html = layout(`
    <p>${escapeHtml(input.body)}</p>
    <p>${button(input.link, 'Open in Spool')}</p>
    ${fallbackLink(input.link)}`);
  return { subject: oneLine(input.title), text, html };
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function button(href: string, label: string): string {
  return `<a href="${escapeHtml(href)}" style="display:inline-block;padding:10px 16px;background:#1f6feb;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(label)}</a>`;
}

function fallbackLink(href: string): string {
  return `<p style="color:#555;font-size:13px">If the button does not work, paste this address into your browser:<br>${escapeHtml(href)}</p>`;
}

function layout(body: string): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:560px">${body}</body></html>`;
}
