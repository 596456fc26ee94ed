-- AT Protocol OAuth sign-ins in progress: from the pushed authorization request to the callback.
create table bluesky_oauth_states (
  -- sha256 of the `state` sent to the authorization server; the value itself is only in the browser
  state_hash text primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  -- the issuer the callback's `iss` must name
  issuer text not null,
  -- client identity, PKCE verifier and DPoP key, sealed with context "bluesky-state:<state_hash>"
  pending_sealed text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index bluesky_oauth_states_expiry on bluesky_oauth_states (expires_at);
create index bluesky_oauth_states_organization on bluesky_oauth_states (organization_id);
create index bluesky_oauth_states_user on bluesky_oauth_states (user_id);
