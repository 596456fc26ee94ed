-- Each person's weekly digest email: whether they want it, and when it should arrive, as a weekday
-- and an hour on their own clock (users.timezone). Everyone gets it on Monday at 08:00 unless they
-- choose otherwise. The weekday is ISO 8601's number (1 = Monday … 7 = Sunday), as date libraries
-- and PostgreSQL's `extract(isodow ...)` count it, so the sender can compare without a lookup.
alter table users
  add column digest_enabled boolean not null default true,
  add column digest_weekday smallint not null default 1
    constraint users_digest_weekday_check check (digest_weekday between 1 and 7),
  add column digest_hour smallint not null default 8
    constraint users_digest_hour_check check (digest_hour between 0 and 23);
