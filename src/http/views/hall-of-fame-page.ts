/**
 * The public disclosure pages (the policy at `/security` and the hall of fame), rendered on the server
 * as plain HTML with no script, so they work under the strict CSP and without the dashboard. Every
 * value that comes from configuration or from the hall-of-fame file is escaped.
 */

export interface HallOfFameEntry {
  name: string;
  /** Only http(s) URLs are linked; the file is validated before it gets here. */
  url?: string | undefined;
  /** YYYY-MM-DD */
  date: string;
  summary: string;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Spool</title>
<style>
  body { font: 16px/1.55 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.7rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
  li { margin: .4rem 0; } .muted { color: #666; } time { color: #666; white-space: nowrap; }
  a { color: #0b57d0; }
</style>
</head>
<body>
${body}
<p class="muted"><a href="/security">Security policy</a> · <a href="/security/hall-of-fame">Hall of fame</a> · <a href="/.well-known/security.txt">security.txt</a></p>
</body>
</html>
`;
}

/** A contact (mailto: or https: URI) as a link; anything else as text. */
function contactHtml(contact: string): string {
  const label = contact.replace(/^mailto:/i, '');
  return /^(mailto:|https?:\/\/)/i.test(contact)
    ? `<a href="${escapeHtml(contact)}">${escapeHtml(label)}</a>`
    : escapeHtml(contact);
}

export function renderHallOfFamePage(entries: readonly HallOfFameEntry[]): string {
  const items = entries.map((entry) => {
    const name = entry.url
      ? `<a href="${escapeHtml(entry.url)}" rel="nofollow noopener noreferrer">${escapeHtml(entry.name)}</a>`
      : escapeHtml(entry.name);
    return `<li><time datetime="${escapeHtml(entry.date)}">${escapeHtml(entry.date)}</time> — <strong>${name}</strong>: ${escapeHtml(entry.summary)}</li>`;
  });
  const list =
    items.length > 0
      ? `<ul>\n${items.join('\n')}\n</ul>`
      : '<p class="muted">No one is listed yet. Be the first: read the <a href="/security">security policy</a>.</p>';
  return page(
    'Security hall of fame',
    `<h1>Security hall of fame</h1>
<p>Thank you to the people who found security problems in Spool and told us about them responsibly.</p>
${list}`,
  );
}

export function renderSecurityPolicyPage(options: { contact: readonly string[] }): string {
  const contacts = options.contact.map((c) => `<li>${contactHtml(c)}</li>`).join('\n');
  return page(
    'Security policy',
    `<h1>Security policy</h1>
<p>We welcome reports of security problems in this Spool installation and in the Spool software, and we
work with reporters to fix them before they are made public.</p>

<h2>How to report</h2>
<ul>
${contacts}
</ul>
<p>Please include what you found, the steps to reproduce it, the impact you see, and the version of Spool
if you know it. Write in English. Do not share the problem publicly until we have
released a fix or 90 days have passed, whichever comes first.</p>

<h2>In scope</h2>
<ul>
<li>The Spool server: its HTTP API, sign-in, sessions, API and OAuth tokens, organizations and roles.</li>
<li>The dashboard and the command-line tool (<code>spool</code>).</li>
<li>Publishing: the handling of connected social accounts and their tokens, which are encrypted at rest.</li>
<li>The default configuration, including the embedded database.</li>
</ul>

<h2>Out of scope</h2>
<ul>
<li>The social networks themselves (report those to each network).</li>
<li>Denial of service by volume, spam, social engineering, and physical attacks.</li>
<li>Reports from automated scanners without a demonstrated impact.</li>
</ul>

<h2>Rules for testing</h2>
<p>Use your own accounts and organizations. Do not read, change or delete other people's data, and stop
and tell us if you reach any. We will not take legal action against research done in good faith under
these rules.</p>

<h2>What happens next</h2>
<ul>
<li>We acknowledge your report within 3 working days.</li>
<li>We confirm (or not) the problem and its severity within 10 working days.</li>
<li>We aim to release a fix within 7 days for critical problems, 30 days for high, and 90 days for others,
and keep you informed along the way.</li>
<li>With your permission, we thank you in the <a href="/security/hall-of-fame">hall of fame</a>.</li>
</ul>`,
  );
}
