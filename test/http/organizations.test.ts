import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const PUBLIC_URL = 'https://spool.example.test';

interface ErrorBody {
  error: { code: string; message: string };
}
interface Member {
  userId: string;
  email: string;
  role: string;
}
interface AuditPage {
  events: {
    id: string;
    action: string;
    actor: { id: string; email: string } | null;
    subject: { id: string; email: string } | null;
    details: Record<string, unknown>;
    ip: string | null;
    createdAt: string;
  }[];
  nextCursor: string | null;
}

describe('organizations, members, invitations and the audit log', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { SMTP_URL: sink.url, PUBLIC_URL } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  /** Invites `email` and returns the token from the link in the email it received. */
  async function invite(inviter: HttpClient, orgId: string, email: string, role: string): Promise<string> {
    const after = sink.messages.length;
    const res = await inviter.post(`/api/orgs/${orgId}/invitations`, { email, role });
    expect(res.status, res.text).toBe(201);
    const mail = await sink.waitForMessage(email, { after });
    const match =
      /https:\/\/spool\.example\.test\/invitations\/accept\?token=(spool_inv_[A-Za-z0-9_-]+)/.exec(mail.text);
    expect(match).not.toBeNull();
    return match![1]!;
  }

  /** A new person who joins `orgId` with `role` through a real invitation. */
  async function addMember(owner: HttpClient, orgId: string, role: string) {
    const person = await signUpUser(t.url);
    const token = await invite(owner, orgId, person.email, role);
    const accepted = await person.client.post('/api/invitations/accept', { token });
    expect(accepted.status, accepted.text).toBe(200);
    return person;
  }

  it('creates, lists, reads, renames and deletes an organization', async () => {
    const ana = await signUpUser(t.url);
    const created = await ana.client.post<{ id: string; name: string; role: string }>('/api/orgs', {
      name: '  Ana Travel  ',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Ana Travel', role: 'owner', memberCount: 1 });
    const orgId = created.body.id;

    const list = await ana.client.get<{ organizations: { id: string; role: string }[] }>('/api/orgs');
    expect(list.body.organizations.map((o) => o.id)).toEqual([ana.organizationId, orgId]);

    expect((await ana.client.get(`/api/orgs/${orgId}`)).body).toMatchObject({
      id: orgId,
      name: 'Ana Travel',
    });
    const renamed = await ana.client.patch(`/api/orgs/${orgId}`, { name: 'Ana Journeys' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Ana Journeys' });

    const wrongName = await ana.client.delete<ErrorBody>(`/api/orgs/${orgId}`, { confirmName: 'Ana Travel' });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error.code).toBe('organization.confirmation_mismatch');
    expect(wrongName.body.error.message).toContain('"Ana Journeys"');

    expect((await ana.client.delete(`/api/orgs/${orgId}`, { confirmName: 'Ana Journeys' })).status).toBe(204);
    expect((await ana.client.get(`/api/orgs/${orgId}`)).status).toBe(404);
  });

  it("answers 404 for another organization's resources, and checks the owner permission", async () => {
    const ana = await signUpUser(t.url);
    const bo = await signUpUser(t.url);
    for (const path of ['', '/members', '/invitations', '/audit-events']) {
      const res = await bo.client.get<ErrorBody>(`/api/orgs/${ana.organizationId}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('organization.not_found');
    }
    expect((await bo.client.patch(`/api/orgs/${ana.organizationId}`, { name: 'Mine now' })).status).toBe(404);

    const admin = await addMember(ana.client, ana.organizationId, 'admin');
    const rename = await admin.client.patch<ErrorBody>(`/api/orgs/${ana.organizationId}`, {
      name: 'Mine now',
    });
    expect(rename.status).toBe(403);
    const remove = await admin.client.delete(`/api/orgs/${ana.organizationId}`, { confirmName: 'x' });
    expect(remove.status).toBe(403);
  });

  it('invites by email, shows the invitation publicly, refuses the wrong account and applies the role', async () => {
    const ana = await signUpUser(t.url, { organizationName: 'Ana Bakery' });
    const invitee = `invitee-${Date.now()}@example.com`;
    const token = await invite(ana.client, ana.organizationId, invitee, 'editor');

    const mail = sink.messages.find((m) => m.to.includes(invitee))!;
    expect(mail.subject).toBe('Test Person invited you to Ana Bakery on Spool');
    expect(mail.text).toContain('as an editor');

    const pending = await ana.client.get<{ invitations: { email: string; role: string }[] }>(
      `/api/orgs/${ana.organizationId}/invitations`,
    );
    expect(pending.body.invitations).toEqual([expect.objectContaining({ email: invitee, role: 'editor' })]);

    const preview = await new HttpClient(t.url).get(`/api/invitations/${token}`);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      organization: { name: 'Ana Bakery' },
      inviter: { email: ana.email, name: 'Test Person' },
      email: invitee,
      role: 'editor',
      status: 'pending',
      expired: false,
    });
    expect((await new HttpClient(t.url).get('/api/invitations/spool_inv_nope')).status).toBe(404);

    const someoneElse = await signUpUser(t.url);
    const wrong = await someoneElse.client.post<ErrorBody>('/api/invitations/accept', { token });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('invitation.wrong_account');
    expect(wrong.body.error.message).toContain(`sign in (or sign up) as ${invitee}`);

    const signedOut = await new HttpClient(t.url).post('/api/invitations/accept', { token });
    expect(signedOut.status).toBe(401);

    const person = await signUpUser(t.url, { email: invitee });
    const accepted = await person.client.post('/api/invitations/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ organizationId: ana.organizationId, role: 'editor' });
    const me = await person.client.get<{ organizations: { id: string; role: string }[] }>('/api/me');
    expect(me.body.organizations).toContainEqual(
      expect.objectContaining({ id: ana.organizationId, role: 'editor' }),
    );
    const members = await ana.client.get<{ members: Member[] }>(`/api/orgs/${ana.organizationId}/members`);
    expect(members.body.members.map((m) => [m.email, m.role])).toEqual([
      [ana.email, 'owner'],
      [invitee, 'editor'],
    ]);

    const twice = await person.client.post<ErrorBody>('/api/invitations/accept', { token });
    expect(twice.status).toBe(409);
    const again = await ana.client.post<ErrorBody>(`/api/orgs/${ana.organizationId}/invitations`, {
      email: invitee,
      role: 'admin',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invitation.already_member');
    expect(
      (await ana.client.get<{ invitations: unknown[] }>(`/api/orgs/${ana.organizationId}/invitations`)).body
        .invitations,
    ).toEqual([]);
  });

  it('refuses revoked and expired invitations with clear errors', async () => {
    const ana = await signUpUser(t.url);
    const revokedFor = await signUpUser(t.url);
    const token = await invite(ana.client, ana.organizationId, revokedFor.email, 'editor');
    const [invitation] = (
      await ana.client.get<{ invitations: { id: string }[] }>(`/api/orgs/${ana.organizationId}/invitations`)
    ).body.invitations;
    expect(
      (await ana.client.delete(`/api/orgs/${ana.organizationId}/invitations/${invitation!.id}`)).status,
    ).toBe(204);
    const revoked = await revokedFor.client.post<ErrorBody>('/api/invitations/accept', { token });
    expect(revoked.status).toBe(400);
    expect(revoked.body.error.code).toBe('invitation.revoked');

    const late = await signUpUser(t.url);
    const lateToken = await invite(ana.client, ana.organizationId, late.email, 'editor');
    await t.sql`update invitations set expires_at = now() - interval '1 second' where lower(email) = ${late.email}`;
    expect((await new HttpClient(t.url).get(`/api/invitations/${lateToken}`)).body).toMatchObject({
      expired: true,
      status: 'expired',
    });
    const expired = await late.client.post<ErrorBody>('/api/invitations/accept', { token: lateToken });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe('invitation.expired');
    expect(expired.body.error.message).toMatch(/send a new one/);
  });

  it('keeps the owner role in owners’ hands and never leaves an organization without an owner', async () => {
    const ana = await signUpUser(t.url);
    const org = `/api/orgs/${ana.organizationId}`;
    const admin = await addMember(ana.client, ana.organizationId, 'admin');
    const editor = await addMember(ana.client, ana.organizationId, 'editor');
    const contributor = await addMember(ana.client, ana.organizationId, 'contributor');

    // An admin manages members, but not owners.
    const inviteOwner = await admin.client.post<ErrorBody>(`${org}/invitations`, {
      email: 'boss@example.com',
      role: 'owner',
    });
    expect(inviteOwner.status).toBe(403);
    expect(inviteOwner.body.error.code).toBe('member.owner_required');
    const promote = await admin.client.patch<ErrorBody>(`${org}/members/${editor.userId}`, { role: 'owner' });
    expect(promote.status).toBe(403);
    expect(promote.body.error.code).toBe('member.owner_required');
    const demoteOwner = await admin.client.patch<ErrorBody>(`${org}/members/${ana.userId}`, {
      role: 'editor',
    });
    expect(demoteOwner.status).toBe(403);
    const removeOwner = await admin.client.delete<ErrorBody>(`${org}/members/${ana.userId}`);
    expect(removeOwner.status).toBe(403);
    const changed = await admin.client.patch(`${org}/members/${editor.userId}`, { role: 'contributor' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ userId: editor.userId, role: 'contributor' });

    // A contributor cannot invite or manage anyone, but can read the member list.
    const contributorInvite = await contributor.client.post<ErrorBody>(`${org}/invitations`, {
      email: 'friend@example.com',
      role: 'contributor',
    });
    expect(contributorInvite.status).toBe(403);
    expect(contributorInvite.body.error.code).toBe('auth.forbidden');
    expect((await contributor.client.delete(`${org}/members/${editor.userId}`)).status).toBe(403);
    expect((await contributor.client.get(`${org}/members`)).status).toBe(200);

    // The last owner can neither step down nor leave.
    const stepDown = await ana.client.patch<ErrorBody>(`${org}/members/${ana.userId}`, { role: 'admin' });
    expect(stepDown.status).toBe(409);
    expect(stepDown.body.error.code).toBe('member.last_owner');
    const leave = await ana.client.delete<ErrorBody>(`${org}/members/${ana.userId}`);
    expect(leave.status).toBe(409);
    expect(leave.body.error.code).toBe('member.last_owner');

    // With a second owner, the first may step down.
    expect((await ana.client.patch(`${org}/members/${admin.userId}`, { role: 'owner' })).status).toBe(200);
    expect((await ana.client.patch(`${org}/members/${ana.userId}`, { role: 'admin' })).status).toBe(200);
    expect((await admin.client.patch(`${org}/members/${admin.userId}`, { role: 'editor' })).status).toBe(409);

    // Anyone may leave; an admin may remove a non-owner.
    expect((await contributor.client.delete(`${org}/members/${contributor.userId}`)).status).toBe(204);
    expect((await contributor.client.get(`${org}/members`)).status).toBe(404);
    expect((await ana.client.delete(`${org}/members/${editor.userId}`)).status).toBe(204);
    expect((await ana.client.delete(`${org}/members/${editor.userId}`)).status).toBe(404);

    const members = await admin.client.get<{ members: Member[] }>(`${org}/members`);
    expect(members.body.members.map((m) => [m.userId, m.role])).toEqual([
      [admin.userId, 'owner'],
      [ana.userId, 'admin'],
    ]);
  });

  it('two owners demoting each other at the same moment leave one owner', async () => {
    const ana = await signUpUser(t.url);
    const org = `/api/orgs/${ana.organizationId}`;
    const bo = await addMember(ana.client, ana.organizationId, 'owner');
    // Hold the memberships until both requests are waiting on them, so the two really overlap.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = t.sql.begin(async (tx) => {
      await tx`select 1 from memberships where organization_id = ${ana.organizationId} for update`;
      locked();
      await held;
    });
    await isLocked;
    const requests = Promise.all([
      ana.client.patch(`${org}/members/${bo.userId}`, { role: 'admin' }),
      bo.client.patch(`${org}/members/${ana.userId}`, { role: 'admin' }),
    ]);
    for (let waiting = 0, i = 0; waiting < 2; i++) {
      if (i > 200) throw new Error('the two requests never waited for the lock');
      await new Promise((r) => setTimeout(r, 25));
      const [row] = await t.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      waiting = row!.n;
    }
    release();
    await holder;
    const results = await requests;
    // The loser finds itself no longer an owner (403) or the last one (409), depending on timing.
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const members = await ana.client.get<{ members: Member[] }>(`${org}/members`);
    expect(members.body.members.filter((m) => m.role === 'owner')).toHaveLength(1);
  });

  it('asks API tokens for the admin scope to manage members', async () => {
    const ana = await signUpUser(t.url);
    const org = `/api/orgs/${ana.organizationId}`;
    const editor = await addMember(ana.client, ana.organizationId, 'editor');
    const readWrite = await ana.client.post<{ token: string }>('/api/tokens', {
      name: 'script',
      scopes: ['read', 'write'],
    });
    const script = ana.client.withBearer(readWrite.body.token);
    expect((await script.get(`${org}/members`)).status).toBe(200);
    for (const res of [
      await script.delete<ErrorBody>(`${org}/members/${editor.userId}`),
      await script.patch<ErrorBody>(`${org}/members/${editor.userId}`, { role: 'admin' }),
      await script.post<ErrorBody>(`${org}/invitations`, { email: 'x@example.com', role: 'editor' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('auth.insufficient_scope');
    }
    const admin = await ana.client.post<{ token: string }>('/api/tokens', {
      name: 'admin',
      scopes: ['read', 'write', 'admin'],
    });
    expect(
      (await ana.client.withBearer(admin.body.token).delete(`${org}/members/${editor.userId}`)).status,
    ).toBe(204);
  });

  it('shows owners the audit log, newest first, page by page; admins and outsiders are refused', async () => {
    const ana = await signUpUser(t.url);
    const org = `/api/orgs/${ana.organizationId}`;
    const admin = await addMember(ana.client, ana.organizationId, 'admin');
    expect((await ana.client.patch(`${org}/members/${admin.userId}`, { role: 'editor' })).status).toBe(200);

    const first = await ana.client.get<AuditPage>(`${org}/audit-events?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.events.map((e) => e.action)).toEqual(['member.role_changed', 'member.joined']);
    expect(first.body.events[0]).toMatchObject({
      actor: { id: ana.userId, email: ana.email },
      subject: { id: admin.userId, email: admin.email },
      details: { from: 'admin', to: 'editor' },
      ip: '127.0.0.1',
    });
    expect(first.body.nextCursor).toBe(first.body.events[1]!.id);

    const rest = await ana.client.get<AuditPage>(
      `${org}/audit-events?limit=50&cursor=${first.body.nextCursor}`,
    );
    const actions = rest.body.events.map((e) => e.action);
    expect(actions[0]).toBe('member.invited');
    expect(actions).toContain('user.signed_up');
    expect(rest.body.nextCursor).toBeNull();
    const ids = [...first.body.events, ...rest.body.events].map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const bad = await ana.client.get<ErrorBody>(`${org}/audit-events?cursor=abc`);
    expect(bad.status).toBe(400);

    await ana.client.patch(`${org}/members/${admin.userId}`, { role: 'admin' });
    const asAdmin = await admin.client.get<ErrorBody>(`${org}/audit-events`);
    expect(asAdmin.status).toBe(403);
    const outsider = await signUpUser(t.url);
    expect((await outsider.client.get(`${org}/audit-events`)).status).toBe(404);
    expect((await outsider.client.get(`/api/orgs/${outsider.organizationId}/audit-events`)).status).toBe(200);
  });
});

describe('invitations when email cannot be sent', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A port nothing listens on: the SMTP connection is refused at once.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${closedPort}`, PUBLIC_URL } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 and leaves no invitation behind', async () => {
    const ana = await signUpUser(t.url);
    const res = await ana.client.post<ErrorBody>(`/api/orgs/${ana.organizationId}/invitations`, {
      email: 'lost@example.com',
      role: 'editor',
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('mail.unavailable');
    expect(res.body.error.message).toMatch(/no invitation was created/);
    const rows = await t.sql`select 1 from invitations where organization_id = ${ana.organizationId}`;
    expect(rows).toHaveLength(0);
    const audit = await t.sql`
      select 1 from audit_events where organization_id = ${ana.organizationId} and action = 'member.invited'`;
    expect(audit).toHaveLength(0);
  });
});
