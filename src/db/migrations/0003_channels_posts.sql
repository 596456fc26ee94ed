-- The publishing domain: connected channels with their posting schedules, profile groups, and posts
-- with one target per channel. The post_targets table is also the publishing queue (claimed with
-- FOR UPDATE SKIP LOCKED by the publisher).

create table channels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  network text not null,
  -- the network's own id for the account (a DID, a Mastodon account id, ...)
  account_id text not null,
  handle text not null,
  display_name text not null default '',
  avatar_url text,
  -- the server this account lives on (Mastodon instance, Bluesky PDS); null for single-host networks
  service_url text,
  timezone text not null default 'UTC',
  -- { "mon": ["09:00", "12:30"], ..., "sun": [] } in the channel's time zone
  schedule jsonb not null default '{"mon":[],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]}',
  paused boolean not null default false,
  paused_at timestamptz,
  connection_state text not null default 'connected'
    check (connection_state in ('connected', 'needs_reconnect', 'disconnected')),
  connection_error text,
  -- the network tokens, sealed with the secret key (AES-256-GCM); never returned by the API
  credentials_sealed text,
  -- a network's rate limit (429 Retry-After) delays this channel only, until then
  publish_blocked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, network, account_id)
);
create index channels_organization on channels (organization_id, created_at);

create table profile_groups (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null,
  created_at timestamptz not null default now(),
  unique (organization_id, name)
);

create table profile_group_channels (
  group_id uuid not null references profile_groups (id) on delete cascade,
  channel_id uuid not null references channels (id) on delete cascade,
  primary key (group_id, channel_id)
);
create index profile_group_channels_channel on profile_group_channels (channel_id);

-- A post is written once for several channels.
create table posts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  author_user_id uuid references users (id) on delete set null,
  text text not null default '',
  -- [{ "mediaId": uuid, "altText": string }]
  media jsonb not null default '[]',
  -- further parts of a thread, published as replies in order: [{ "text": ..., "media": [...] }]
  thread jsonb not null default '[]',
  tags text[] not null default '{}',
  approved_by uuid references users (id) on delete set null,
  approved_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index posts_organization on posts (organization_id, created_at desc);

-- One target per channel of a post: its own status, due time and, once published, the network's id.
create table post_targets (
  id uuid primary key default gen_random_uuid(),
  post_id uuid not null references posts (id) on delete cascade,
  organization_id uuid not null references organizations (id) on delete cascade,
  channel_id uuid not null references channels (id) on delete cascade,
  -- per-channel customisation; null means "as the post"
  text_override text,
  media_override jsonb,
  status text not null check (status in (
    'draft', 'awaiting_approval', 'queued', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed')),
  -- queued: the slot the queue assigned; scheduled: the custom time chosen
  due_at timestamptz,
  -- publishing: the current attempt's lease
  attempt_id uuid,
  lease_expires_at timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error_code text,
  last_error text,
  published_at timestamptz,
  network_post_id text,
  network_post_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (post_id, channel_id),
  check (status not in ('queued', 'scheduled') or due_at is not null)
);
-- what falls due next, across all channels (the publisher's timer and claim)
create index post_targets_due on post_targets (due_at) where status in ('queued', 'scheduled');
-- a channel's queue in order
create index post_targets_channel_queue on post_targets (channel_id, due_at) where status in ('queued', 'scheduled');
-- the calendar and the sent/failed tabs
create index post_targets_calendar on post_targets (organization_id, due_at);
create index post_targets_channel_status on post_targets (channel_id, status, updated_at desc);
-- expired leases of killed workers
create index post_targets_leases on post_targets (lease_expires_at) where status = 'publishing';
create index post_targets_post on post_targets (post_id);
