-- The media library, the ideas board, and links (short links, UTM settings, link-preview cache).

-- Uploaded images and videos. The bytes live in the blob store under `storage_key` (derived from the
-- organization and media ids, never from a user-supplied name); the type is what the content is.
create table media (
  id uuid primary key,
  organization_id uuid not null references organizations (id) on delete cascade,
  uploaded_by uuid references users (id) on delete set null,
  kind text not null check (kind in ('image', 'video')),
  content_type text not null,
  byte_size bigint not null check (byte_size > 0),
  sha256 text not null,
  storage_key text not null unique,
  -- the name the file had on the uploader's machine, for display only
  original_filename text not null default '',
  width integer,
  height integer,
  alt_text text not null default '',
  thumbnail_key text,
  thumbnail_content_type text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index media_organization on media (organization_id, created_at desc, id desc);

-- One board per organization, created lazily with its default columns. Its row is the lock that
-- serializes every change of order on the board (moves, reorders, new and deleted columns).
create table idea_boards (
  organization_id uuid primary key references organizations (id) on delete cascade,
  created_at timestamptz not null default now()
);

create table idea_columns (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references idea_boards (organization_id) on delete cascade,
  name text not null,
  -- 0, 1, 2, … without gaps; deferred so that a renumbering may pass through duplicates
  position integer not null check (position >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint idea_columns_position unique (organization_id, position) deferrable initially deferred
);

create table ideas (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  column_id uuid not null references idea_columns (id),
  position integer not null check (position >= 0),
  title text not null default '',
  text text not null default '',
  -- [{ "mediaId": uuid, "altText": string }], as posts.media
  media jsonb not null default '[]',
  tags text[] not null default '{}',
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ideas_position unique (column_id, position) deferrable initially deferred
);
create index ideas_organization on ideas (organization_id);

-- The posts made from an idea (the idea is kept).
create table idea_posts (
  idea_id uuid not null references ideas (id) on delete cascade,
  post_id uuid not null references posts (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (idea_id, post_id)
);
create index idea_posts_post on idea_posts (post_id);

-- Per-channel link handling, applied when a target's text is prepared for publishing.
create table channel_link_settings (
  channel_id uuid primary key references channels (id) on delete cascade,
  organization_id uuid not null references organizations (id) on delete cascade,
  shorten_links boolean not null default false,
  utm_enabled boolean not null default false,
  utm_campaign text not null default 'spool',
  updated_at timestamptz not null default now()
);

-- Spool's own short links, `/s/{code}`: one per (post, channel, destination).
create table short_links (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  code text not null unique,
  url text not null,
  post_id uuid references posts (id) on delete cascade,
  channel_id uuid references channels (id) on delete cascade,
  click_count bigint not null default 0,
  last_clicked_at timestamptz,
  created_at timestamptz not null default now(),
  constraint short_links_target unique nulls not distinct (organization_id, post_id, channel_id, url)
);
create index short_links_post on short_links (post_id) where post_id is not null;
create index short_links_channel on short_links (channel_id) where channel_id is not null;

-- Clicks are counted per link and day; nothing about the visitor (no IP, no user agent) is stored.
create table short_link_clicks (
  short_link_id uuid not null references short_links (id) on delete cascade,
  day date not null,
  clicks bigint not null default 0,
  primary key (short_link_id, day)
);

-- Fetched link previews, reused for 24 hours; kept per organization so that one organization's
-- previews never reveal what another looked at.
create table link_previews (
  organization_id uuid not null references organizations (id) on delete cascade,
  url text not null,
  final_url text not null,
  title text,
  description text,
  image_url text,
  site_name text,
  fetched_at timestamptz not null default now(),
  primary key (organization_id, url)
);
