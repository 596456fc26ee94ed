-- Engagement on published posts, fed live by the networks' event streams (Bluesky's firehose,
-- Mastodon's streaming API or its polling fallback) and by periodic metric fetches.

-- One row per network event, so a replayed stream never counts twice.
create table engagement_events (
  id bigint generated always as identity primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  channel_id uuid not null references channels (id) on delete cascade,
  -- the published target the event is about; null for events about the account (follows, mentions)
  target_id uuid references post_targets (id) on delete cascade,
  network text not null,
  kind text not null check (kind in ('like', 'repost', 'reply', 'quote', 'mention', 'follow')),
  -- +1 when created, -1 when undone (an unlike, a deleted repost)
  delta smallint not null default 1 check (delta in (-1, 1)),
  actor_id text,
  actor_handle text,
  -- the network's own id for the event (an AT URI, a Mastodon notification id), unique per channel
  network_event_id text not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  unique (channel_id, network_event_id)
);
create index engagement_events_target on engagement_events (target_id, occurred_at desc) where target_id is not null;
create index engagement_events_organization on engagement_events (organization_id, occurred_at desc);

-- Running totals per published target (events and metric fetches both write here).
create table post_engagement (
  target_id uuid primary key references post_targets (id) on delete cascade,
  organization_id uuid not null references organizations (id) on delete cascade,
  likes integer not null default 0,
  reposts integer not null default 0,
  replies integer not null default 0,
  quotes integer not null default 0,
  updated_at timestamptz not null default now()
);

-- Where each channel's event stream was left, so a restarted subscriber resumes without gaps.
create table channel_stream_cursors (
  channel_id uuid primary key references channels (id) on delete cascade,
  cursor text not null,
  updated_at timestamptz not null default now()
);
