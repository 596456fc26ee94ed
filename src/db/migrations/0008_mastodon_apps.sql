-- Connecting Mastodon accounts: the OAuth app Spool registered on each instance (reused for every
-- account there), and the short-lived, single-use `state` of each sign-in in progress.

create table mastodon_apps (
  id uuid primary key default gen_random_uuid(),
  -- the instance's base URL as normalized by Spool ("https://mastodon.social")
  instance_url text not null,
  -- the callback registered with the app; it differs when Spool is reached under another address
  redirect_uri text not null,
  scopes text not null,
  client_id text not null,
  -- sealed with the secret key, context "mastodon-app:<instance_url>"; never returned by the API
  client_secret_sealed text not null,
  created_at timestamptz not null default now(),
  unique (instance_url, redirect_uri, scopes)
);

create table mastodon_oauth_states (
  -- sha256 of the `state` sent to the instance; the value itself is only in the user's browser
  state_hash text primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  app_id uuid not null references mastodon_apps (id) on delete cascade,
  instance_url text not null,
  redirect_uri text not null,
  -- the PKCE code verifier, sealed with context "mastodon-state:<state_hash>"
  code_verifier_sealed text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index mastodon_oauth_states_expiry on mastodon_oauth_states (expires_at);
