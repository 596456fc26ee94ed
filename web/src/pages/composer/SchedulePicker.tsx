import { useId } from 'react';

export type ScheduleMode = 'keep' | 'queue' | 'next' | 'now' | 'custom' | 'draft';

const LABELS: Record<ScheduleMode, string> = {
  keep: 'Keep its time',
  queue: 'Add to queue',
  next: 'Share next',
  now: 'Share now',
  custom: 'Pick a date and time',
  draft: 'Save as draft',
};

/** The four ways to schedule (queue, next, now, a chosen time) plus drafts. */
export function SchedulePicker({
  mode,
  localTime,
  modes,
  error,
  onChange,
}: {
  mode: ScheduleMode;
  localTime: string;
  modes: readonly ScheduleMode[];
  error?: string | undefined;
  onChange(mode: ScheduleMode, localTime: string): void;
}) {
  const id = useId();
  return (
    <fieldset className="schedule-picker">
      <legend>When</legend>
      <div className="segmented">
        {modes.map((value) => (
          <label key={value} className={mode === value ? 'selected' : ''}>
            <input
              type="radio"
              name={`${id}-mode`}
              value={value}
              checked={mode === value}
              onChange={() => onChange(value, localTime)}
            />
            {LABELS[value]}
          </label>
        ))}
      </div>
      {mode === 'custom' ? (
        <div className={`field${error ? ' field-invalid' : ''}`}>
          <label htmlFor={`${id}-time`}>Date and time (in each channel's own time zone)</label>
          <input
            id={`${id}-time`}
            type="datetime-local"
            value={localTime}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(event) => onChange('custom', event.target.value)}
          />
          {error ? (
            <p id={`${id}-error`} className="field-error" role="alert" data-field-error="schedule">
              {error}
            </p>
          ) : null}
        </div>
      ) : error ? (
        <p className="field-error" role="alert" data-field-error="schedule">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The API's schedule for a mode; a custom time is sent as wall-clock time read per channel. */
export function scheduleBody(mode: ScheduleMode, localTime: string) {
  if (mode === 'custom') return { mode, localTime: localTime.slice(0, 16) };
  return { mode };
}
