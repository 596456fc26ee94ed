-- Live updates for the dashboard: every change of a post target's status or due time is announced
-- on the `spool_events` channel (delivered on commit). Each API process LISTENs once and fans the
-- events out to the server-sent-event streams of that organization (src/http/routes/events.ts).

create function notify_post_target_change() returns trigger
language plpgsql as $$
begin
  perform pg_notify('spool_events', json_build_object(
    'org', new.organization_id,
    'target', new.id,
    'post', new.post_id,
    'channel', new.channel_id,
    'status', new.status
  )::text);
  return null;
end;
$$;

create trigger post_targets_announce_insert
  after insert on post_targets
  for each row execute function notify_post_target_change();

create trigger post_targets_announce_update
  after update of status, due_at on post_targets
  for each row
  when (old.status is distinct from new.status or old.due_at is distinct from new.due_at)
  execute function notify_post_target_change();
