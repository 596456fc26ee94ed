-- The queue's REST API: replayable POSTs (Idempotency-Key), the approval flow, per-network fields
-- (a Pinterest board, a YouTube title) and the listing index for the posts tabs.

-- One row per Idempotency-Key an organization used on a creating route; a repeat of the same request
-- replays the stored response, a different request with the same key is refused. Kept 24 hours.
create table idempotency_keys (
  organization_id uuid not null references organizations (id) on delete cascade,
  -- "POST /api/orgs/<id>/posts": the method and path the key was used on
  route text not null,
  key text not null,
  -- SHA-256 of the request body, canonical JSON
  request_hash text not null,
  -- null while the first request is still being answered
  response_status integer,
  response_body text,
  created_at timestamptz not null default now(),
  primary key (organization_id, route, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

alter table posts
  -- a title, for networks that show one (YouTube, Pinterest)
  add column title text not null default '',
  -- why an editor sent a contributor's post back to drafts
  add column rejection_reason text,
  add column rejected_by uuid references users (id) on delete set null,
  add column rejected_at timestamptz,
  -- a re-buffered post: the published target it copies
  add column copied_from_target_id uuid references post_targets (id) on delete set null;

alter table post_targets
  -- per-channel network fields: { "boardId": ..., "title": ... }
  add column options jsonb not null default '{}',
  -- what the author asked for while the target waits for approval: { "mode": "queue" | "next" |
  -- "now" | "custom", "dueAt": ISO instant for custom }
  add column requested_schedule jsonb;

-- the posts tabs (drafts, awaiting approval, sent, failed) across an organization, newest first
create index post_targets_org_status on post_targets (organization_id, status, updated_at desc, id desc);

-- Queue order is (due_at, id): with id in the index, a page that continues after a cursor is one
-- ordered index range (no sort of the rest of a long queue), and re-timing reads a channel's queue
-- from the index alone. These replace the narrower indexes of 0003.
drop index post_targets_channel_queue;
create index post_targets_channel_queue on post_targets (channel_id, due_at, id) include (status)
  where status in ('queued', 'scheduled');
drop index post_targets_calendar;
create index post_targets_calendar on post_targets (organization_id, due_at, id);
-- Every re-timed row writes every index it is in; (post_id, channel_id) already serves lookups by post.
drop index post_targets_post;
