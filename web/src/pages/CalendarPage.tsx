import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { allPages, api } from '../api/client.ts';
import { useChannels, useGroups } from '../api/org-data.ts';
import type { Target } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { useSession } from '../app/session.tsx';
import { useLiveEvents } from '../live/events.ts';
import { STATUS_LABELS } from '../ui/format.ts';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { useResource } from '../ui/use-resource.ts';
import { addDays, localParts, viewDays } from './calendar/calendar-dates.ts';
import { CalendarGrid, type CalendarItem } from './calendar/MonthGrid.tsx';
import type { SlotPlace } from './calendar/use-slot-drag.ts';
import { WeekGrid } from './calendar/WeekGrid.tsx';
// After the week view's sheet: these month-grid rules came after it when they lived in styles.css.
import './calendar/calendar.css';

const STATUS_FILTERS = ['pending', 'sent', 'failed', 'drafts', 'awaiting_approval'] as const;

/**
 * Every channel's posts on a month or week, filterable. Drag a post to another day (month) or to
 * another day and half hour (week) to move it; times are each channel's own wall clock.
 */
export default function CalendarPage() {
  const { org } = useSession();
  const channels = useChannels(org.id);
  const groups = useGroups(org.id);
  const [view, setView] = useState<'month' | 'week'>('month');
  const [anchor, setAnchor] = useState(() => new Date());
  const [filters, setFilters] = useState({ channelId: '', groupId: '', status: '', tag: '' });
  const [open, setOpen] = useState<CalendarItem | null>(null);
  const submission = useSubmission();

  const days = useMemo(() => viewDays(view, anchor), [view, anchor]);
  const from = addDays(days[0]!, -1).toISOString();
  const to = addDays(days[days.length - 1]!, 2).toISOString();
  const query = new URLSearchParams({ from, to });
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
  const posts = useResource(
    (signal) =>
      allPages<Target>(`/api/orgs/${org.id}/calendar?${query}`, 10_000, signal, (items) => {
        // The first page at once; re-rendering for every page would only delay the rest.
        if (items.length <= 100) posts.set(() => items);
      }),
    [org.id, query.toString()],
  );
  // A burst of changes (a queue re-timed) reloads the month once, not once per post.
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);
  useLiveEvents(org.id, () => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void posts.reload(), 500);
  });

  const channelById = useMemo(() => new Map((channels.data ?? []).map((c) => [c.id, c])), [channels.data]);
  const byDay = useMemo(() => {
    const map = new Map<string, CalendarItem[]>();
    for (const target of posts.data ?? []) {
      if (!target.dueAt && !target.publishedAt) continue;
      const channel = channelById.get(target.channelId);
      const { day, time } = localParts((target.dueAt ?? target.publishedAt)!, channel?.timezone ?? 'UTC');
      const list = map.get(day);
      const item = { target, channel, day, time };
      if (list) list.push(item);
      else map.set(day, [item]);
    }
    return map;
  }, [posts.data, channelById]);

  const reschedule = useCallback(
    async (item: CalendarItem, localTime: string) => {
      const { target } = item;
      // Show it on the new day at once; the server's answer replaces it.
      posts.set((list) =>
        list?.map((t) =>
          t.id === target.id
            ? {
                ...t,
                dueAt: localToIsoGuess(localTime, item),
                status: t.status === 'queued' ? 'scheduled' : t.status,
              }
            : t,
        ),
      );
      await submission.run(() =>
        api(`/api/orgs/${org.id}/posts/${target.postId}/targets/${target.id}`, {
          method: 'PATCH',
          body: { schedule: { mode: 'custom', localTime } },
        }),
      );
      await posts.reload();
    },
    [org.id, posts, submission],
  );
  const onMove = useCallback(
    (item: CalendarItem, day: string) => void reschedule(item, `${day}T${item.time}`),
    [reschedule],
  );
  const onMoveTo = useCallback(
    (item: CalendarItem, place: SlotPlace) => void reschedule(item, `${place.day}T${place.time}`),
    [reschedule],
  );

  const step = (direction: number) =>
    setAnchor((current) =>
      view === 'month'
        ? new Date(current.getFullYear(), current.getMonth() + direction, 1)
        : addDays(current, 7 * direction),
    );
  const title =
    view === 'month'
      ? anchor.toLocaleDateString(undefined, { month: 'long', year: 'numeric' })
      : `Week of ${days[0]!.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })}`;

  return (
    <div className="calendar-page">
      <div className="page-head">
        <h1>Calendar</h1>
        <output className="muted">{posts.loading ? 'Loading…' : `${posts.data?.length ?? 0} posts`}</output>
      </div>
      <div className="calendar-toolbar">
        <button type="button" onClick={() => step(-1)} aria-label="Previous">
          ‹
        </button>
        <strong aria-live="polite">{title}</strong>
        <button type="button" onClick={() => step(1)} aria-label="Next">
          ›
        </button>
        <button type="button" onClick={() => setAnchor(new Date())}>
          Today
        </button>
        <fieldset className="button-row plain">
          <legend className="sr-only">View</legend>
          <button type="button" aria-pressed={view === 'month'} onClick={() => setView('month')}>
            Month
          </button>
          <button type="button" aria-pressed={view === 'week'} onClick={() => setView('week')}>
            Week
          </button>
        </fieldset>
        <label className="sr-only" htmlFor="cal-channel">
          Channel
        </label>
        <select
          id="cal-channel"
          value={filters.channelId}
          onChange={(e) => setFilters({ ...filters, channelId: e.target.value })}
        >
          <option value="">All channels</option>
          {channels.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {channelName(c)}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="cal-group">
          Group
        </label>
        <select
          id="cal-group"
          value={filters.groupId}
          onChange={(e) => setFilters({ ...filters, groupId: e.target.value })}
        >
          <option value="">All groups</option>
          {groups.data?.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="cal-status">
          Status
        </label>
        <select
          id="cal-status"
          value={filters.status}
          onChange={(e) => setFilters({ ...filters, status: e.target.value })}
        >
          <option value="">Any status</option>
          {STATUS_FILTERS.map((s) => (
            <option key={s} value={s}>
              {s === 'pending' ? 'Upcoming' : s === 'drafts' ? 'Drafts' : (STATUS_LABELS[s] ?? s)}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="cal-tag">
          Tag
        </label>
        <input
          id="cal-tag"
          placeholder="Tag"
          size={10}
          defaultValue={filters.tag}
          onKeyDown={(e) => {
            if (e.key === 'Enter') setFilters({ ...filters, tag: e.currentTarget.value.trim() });
          }}
        />
      </div>
      <FormError
        message={submission.formError ?? posts.error ?? (Object.values(submission.fieldErrors)[0] || null)}
      />
      {open ? <PostDetails item={open} onClose={() => setOpen(null)} onReschedule={reschedule} /> : null}
      {view === 'week' ? (
        <WeekGrid days={days} byDay={byDay} onMoveTo={onMoveTo} onOpen={setOpen} />
      ) : (
        <CalendarGrid
          days={days}
          month={anchor.getMonth()}
          byDay={byDay}
          view={view}
          onMove={onMove}
          onOpen={setOpen}
        />
      )}
      <p className="muted">
        {view === 'week'
          ? "Drag a post to another day and half hour to move it, in its channel's time zone. With the keyboard, focus a post and press Alt+↑/↓ to move it 30 minutes or Alt+←/→ to move it a day; open a post to type an exact time."
          : 'Drag a post to another day to move it (it keeps its time of day); open a post to pick an exact time.'}
      </p>
    </div>
  );
}

function PostDetails({
  item,
  onClose,
  onReschedule,
}: {
  item: CalendarItem;
  onClose(): void;
  onReschedule(item: CalendarItem, localTime: string): Promise<void>;
}) {
  const [localTime, setLocalTime] = useState(`${item.day}T${item.time}`);
  const movable = ['queued', 'scheduled', 'draft', 'awaiting_approval'].includes(item.target.status);
  // Opened from the keyboard (Enter on a post), the time to type is where the focus goes.
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    (panel.current?.querySelector<HTMLElement>('#cal-move') ?? panel.current)?.focus();
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await onReschedule(item, localTime);
    onClose();
  };
  return (
    <section className="card" aria-label="Post details" ref={panel} tabIndex={-1}>
      <p>
        <strong>{item.channel ? channelName(item.channel) : 'Channel'}</strong> · {item.day} {item.time} ·{' '}
        {STATUS_LABELS[item.target.status]}
      </p>
      <p className="post-text">{item.target.text}</p>
      {movable ? (
        <form className="inline-form" onSubmit={submit}>
          <label htmlFor="cal-move">Move to ({item.channel?.timezone ?? 'UTC'})</label>
          <input
            id="cal-move"
            type="datetime-local"
            value={localTime}
            onChange={(e) => setLocalTime(e.target.value)}
          />
          <button type="submit" className="primary">
            Move
          </button>
        </form>
      ) : null}
      <div className="button-row">
        <button type="button" onClick={() => navigate(`/compose?post=${item.target.postId}`)}>
          Edit in composer
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

/**
 * Places the post at its new day and time for display until the server answers with the exact
 * instant (the wall-clock shift; only a daylight-saving change in between makes it differ).
 */
function localToIsoGuess(localTime: string, item: CalendarItem): string {
  const shift = Date.parse(`${localTime.slice(0, 16)}Z`) - Date.parse(`${item.day}T${item.time}Z`);
  const base = new Date(item.target.dueAt ?? item.target.publishedAt ?? Date.now());
  return new Date(base.getTime() + shift).toISOString();
}
