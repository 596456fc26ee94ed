-- Accounts: users, organizations (workspaces) and their members, sessions, API tokens, the OAuth 2
-- authorization server, password resets, invitations, the audit log and abuse limits.
-- Every secret handed to a client (session, token, code) is stored as a SHA-256 hash only.

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  name text not null default '',
  password_hash text not null,
  password_changed_at timestamptz not null default now(),
  timezone text not null default 'UTC',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

create table memberships (
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'editor', 'contributor')),
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
create index memberships_user on memberships (user_id);

create table sessions (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index sessions_user on sessions (user_id);

create table oauth_clients (
  id uuid primary key default gen_random_uuid(),
  client_id text not null unique,
  -- null for public clients (browser extensions, mobile apps), which must use PKCE
  client_secret_hash bytea,
  name text not null,
  redirect_uris text[] not null,
  owner_user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Personal access tokens and OAuth access tokens: both are bearer tokens that act as a user.
create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('personal', 'oauth')),
  oauth_client_id uuid references oauth_clients (id) on delete cascade,
  name text not null,
  token_hash bytea not null unique,
  -- the first characters of the token, so a person can recognise it in a list
  display_prefix text not null,
  scopes text[] not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user on api_tokens (user_id);

create table oauth_authorization_codes (
  code_hash bytea primary key,
  client_id uuid not null references oauth_clients (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  redirect_uri text not null,
  scopes text[] not null,
  code_challenge text,
  code_challenge_method text check (code_challenge_method in ('S256', 'plain')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);

create table oauth_refresh_tokens (
  token_hash bytea primary key,
  client_id uuid not null references oauth_clients (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  scopes text[] not null,
  access_token_id uuid references api_tokens (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);

create table password_reset_tokens (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_reset_tokens_user on password_reset_tokens (user_id);

create table invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'editor', 'contributor')),
  token_hash bytea not null unique,
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  revoked_at timestamptz
);
create index invitations_organization on invitations (organization_id, created_at desc);

-- Security events (sign-ins, failed sign-ins, token creation, role changes), readable by owners.
create table audit_events (
  id bigint generated always as identity primary key,
  organization_id uuid references organizations (id) on delete cascade,
  actor_user_id uuid references users (id) on delete set null,
  subject_user_id uuid references users (id) on delete set null,
  action text not null,
  details jsonb not null default '{}',
  ip text,
  user_agent text,
  created_at timestamptz not null default now()
);
create index audit_events_organization on audit_events (organization_id, id desc);
create index audit_events_subject on audit_events (subject_user_id, id desc);

-- Fixed-window counters shared by every process: sign-in throttling and API rate limits.
create unlogged table rate_limit_windows (
  key text primary key,
  hits integer not null,
  window_ends_at timestamptz not null
);
