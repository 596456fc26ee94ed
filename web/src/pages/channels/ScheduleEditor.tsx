import { type FormEvent, useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import { type Channel, WEEKDAYS, type Weekday } from '../../api/types.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

type Grid = Record<Weekday, Set<string>>;

function gridOf(channel: Channel): Grid {
  const grid = {} as Grid;
  for (const day of WEEKDAYS) grid[day] = new Set(channel.schedule[day] ?? []);
  return grid;
}

/**
 * The posting schedule as a weekday × time grid: each row is a time, each box says whether the
 * queue posts at that time on that day. Times are wall-clock times in the channel's zone.
 */
export function ScheduleEditor({
  orgId,
  channel,
  onSaved,
}: {
  orgId: string;
  channel: Channel;
  onSaved(channel: Channel): void;
}) {
  const [grid, setGrid] = useState<Grid>(() => gridOf(channel));
  const [newTime, setNewTime] = useState('09:00');
  const [extraTimes, setExtraTimes] = useState<string[]>([]);
  const submission = useSubmission();
  const [saved, setSaved] = useState(false);

  const times = useMemo(() => {
    const all = new Set<string>(extraTimes);
    for (const day of WEEKDAYS) for (const time of grid[day]) all.add(time);
    return [...all].sort();
  }, [grid, extraTimes]);

  const toggle = (day: Weekday, time: string) => {
    setSaved(false);
    setGrid((current) => {
      const next = { ...current, [day]: new Set(current[day]) };
      if (next[day].has(time)) next[day].delete(time);
      else next[day].add(time);
      return next;
    });
  };

  const addTime = (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{2}:\d{2}$/.test(newTime) || times.includes(newTime)) return;
    setSaved(false);
    // A new time starts on every weekday, the common case; untick the days it should skip.
    setGrid((current) => {
      const next = { ...current };
      for (const day of WEEKDAYS) next[day] = new Set([...current[day], newTime]);
      return next;
    });
    setExtraTimes((current) => [...current, newTime]);
  };

  const removeTime = (time: string) => {
    setSaved(false);
    setExtraTimes((current) => current.filter((t) => t !== time));
    setGrid((current) => {
      const next = { ...current };
      for (const day of WEEKDAYS) {
        next[day] = new Set(current[day]);
        next[day].delete(time);
      }
      return next;
    });
  };

  const save = async () => {
    const days: Record<string, string[]> = {};
    for (const day of WEEKDAYS) days[day] = [...grid[day]].sort();
    const updated = await submission.run(() =>
      api<Channel>(`/api/orgs/${orgId}/channels/${channel.id}/schedule`, { method: 'PUT', body: { days } }),
    );
    if (updated) {
      setSaved(true);
      onSaved(updated);
    }
  };

  return (
    <section className="schedule-editor" aria-label={`Posting schedule of ${channel.handle}`}>
      <h3>Posting schedule</h3>
      <p className="muted">Times in {channel.timezone}. Queued posts take these slots in order.</p>
      {times.length === 0 ? <p className="empty">No posting times yet: add one below.</p> : null}
      {times.length > 0 ? (
        <div className="table-scroll">
          <table className="schedule-grid">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {WEEKDAYS.map((day) => (
                  <th key={day} scope="col">
                    {DAY_NAMES[day]}
                  </th>
                ))}
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {times.map((time) => (
                <tr key={time}>
                  <th scope="row">{time}</th>
                  {WEEKDAYS.map((day) => (
                    <td key={day}>
                      <input
                        type="checkbox"
                        aria-label={`${DAY_NAMES[day]} at ${time}`}
                        checked={grid[day].has(time)}
                        onChange={() => toggle(day, time)}
                      />
                    </td>
                  ))}
                  <td>
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => removeTime(time)}
                      aria-label={`Remove ${time}`}
                    >
                      ✕
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form className="inline-form" onSubmit={addTime}>
        <label htmlFor={`time-${channel.id}`}>New posting time</label>
        <input
          id={`time-${channel.id}`}
          type="time"
          value={newTime}
          onChange={(e) => setNewTime(e.target.value)}
        />
        <button type="submit">Add time</button>
      </form>
      <FormError message={submission.formError ?? (Object.values(submission.fieldErrors)[0] || null)} />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void save()} disabled={submission.busy}>
          Save schedule
        </button>
        {saved ? (
          <span className="ok" role="status">
            Schedule saved
          </span>
        ) : null}
      </div>
    </section>
  );
}
