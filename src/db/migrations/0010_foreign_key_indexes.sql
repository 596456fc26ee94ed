-- Deleting a channel, a post or an organization cascades through post_targets; every foreign key
-- that points at post_targets or posts needs an index on its referencing side, or each deleted row
-- scans the whole referencing table (a channel with 10,000 targets took minutes to delete).
create index posts_copied_from_target on posts (copied_from_target_id) where copied_from_target_id is not null;
create index notifications_target on notifications (target_id) where target_id is not null;
create index notifications_post on notifications (post_id) where post_id is not null;
create index notifications_channel on notifications (channel_id) where channel_id is not null;
