-- The processes of a Spool deployment (API servers, workers) and their heartbeats. Health checks read
-- this to tell whether background work is alive; operators read it to see what runs where.
create table spool_processes (
  id uuid primary key,
  role text not null check (role in ('start', 'api', 'worker')),
  hostname text not null,
  pid integer not null,
  version text not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  stopped_at timestamptz
);

create index spool_processes_live on spool_processes (heartbeat_at desc) where stopped_at is null;

-- Operator-visible key/value facts about this installation (its id, when it was created).
create table spool_settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

insert into spool_settings (key, value) values ('installation', jsonb_build_object('id', gen_random_uuid(), 'created_at', now()));
