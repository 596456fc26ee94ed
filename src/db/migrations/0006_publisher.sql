-- The publishing engine: per-channel publish leases (one publish in flight per channel), attempt
-- bookkeeping for safe retries, in-app notifications, and outgoing webhooks with a delivery log.

alter table channels add column publish_lease_until timestamptz;

alter table post_targets
  -- set when an attempt's outcome is unknown (the request may have reached the network): the next
  -- attempt must prove the post absent, or retry idempotently, before sending again
  add column needs_verification boolean not null default false,
  add column attempt_started_at timestamptz,
  -- when the latest attempt was claimed (just before its request left): due_at to this is the dispatch lag
  add column last_attempt_at timestamptz,
  -- ids of thread parts already published, so a retried thread resumes instead of starting over
  add column published_parts text[] not null default '{}';

create table notifications (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  kind text not null,
  title text not null,
  body text not null,
  post_id uuid references posts (id) on delete cascade,
  target_id uuid references post_targets (id) on delete cascade,
  channel_id uuid references channels (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  emailed_at timestamptz
);
create index notifications_user on notifications (user_id, created_at desc);
create index notifications_unread on notifications (user_id) where read_at is null;

create table webhooks (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  url text not null,
  -- the signing secret, sealed with the secret key; shown to admins, never logged
  secret_sealed text not null,
  events text[] not null,
  active boolean not null default true,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index webhooks_organization on webhooks (organization_id);

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  webhook_id uuid not null references webhooks (id) on delete cascade,
  organization_id uuid not null references organizations (id) on delete cascade,
  event text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  delivered_at timestamptz
);
create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, created_at desc);

-- wake-up times of targets waiting to retry, and of channels waiting out a rate limit
create index post_targets_retry on post_targets (next_attempt_at)
  where status in ('queued', 'scheduled') and next_attempt_at is not null;
create index channels_blocked on channels (publish_blocked_until) where publish_blocked_until is not null;

-- Publishing rewrites each channel row twice (lease, release): room on its page lets PostgreSQL
-- make those HOT updates, which skip the channel's indexes.
alter table channels set (fillfactor = 70);
