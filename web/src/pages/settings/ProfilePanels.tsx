import { type FormEvent, useId, useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Me } from '../../api/types.ts';
import { useSessionState } from '../../app/session.tsx';
import { Field, FormError, formText, SelectField, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';
import './settings.css';

/** Every zone this browser knows, UTC first; the current zone is kept even if the browser lacks it. */
function timeZoneNames(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', current, ...known])];
}

function deviceTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Your name and time zone (editable), and a password change. */
export function ProfilePanel({ me }: { me: Me }) {
  // PATCH /api/me answers like GET /api/me: the session takes the answer as its new `me`.
  const { signedIn } = useSessionState();
  const [name, setName] = useState(me.user.name);
  const [timezone, setTimezone] = useState(me.user.timezone);
  const [saved, setSaved] = useState(false);
  const profile = useSubmission();
  const zonesId = useId();
  const zones = useMemo(() => timeZoneNames(me.user.timezone), [me.user.timezone]);
  const device = deviceTimeZone();

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const updated = await profile.run(() =>
      api<Me>('/api/me', { method: 'PATCH', body: { name, timezone } }),
    );
    if (!updated) return;
    // The server stores the canonical spelling ("europe/paris" → "Europe/Paris"): show that.
    setName(updated.user.name);
    setTimezone(updated.user.timezone);
    setSaved(true);
    signedIn(updated);
  };
  const edit = (apply: () => void) => {
    setSaved(false);
    apply();
  };

  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Your profile</h2>
      <p className="muted">Signed in as {me.user.email}</p>
      <form onSubmit={save} noValidate aria-label="Your profile">
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          value={name}
          onChange={(e) => edit(() => setName(e.target.value))}
          error={profile.fieldErrors.name}
        />
        <Field
          label="Time zone"
          name="timezone"
          list={zonesId}
          autoComplete="off"
          spellCheck={false}
          value={timezone}
          onChange={(e) => edit(() => setTimezone(e.target.value))}
          error={profile.fieldErrors.timezone}
          hint={
            device !== timezone ? (
              <>
                This device is set to {device}.{' '}
                <button type="button" className="ghost small" onClick={() => edit(() => setTimezone(device))}>
                  Use {device}
                </button>
              </>
            ) : (
              'Your digest email and the dates in your activity log use this zone.'
            )
          }
        />
        <datalist id={zonesId}>
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <FormError message={profile.formError} />
        <div className="actions">
          <button type="submit" disabled={profile.busy}>
            Save profile
          </button>
          <span role="status" className="ok">
            {saved ? 'Profile saved.' : ''}
          </span>
        </div>
      </form>
      <PasswordForm />
    </section>
  );
}

function PasswordForm() {
  const submission = useSubmission();
  const [changed, setChanged] = useState(false);
  const change = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    setChanged(false);
    const done = await submission.run(() =>
      api('/api/me/password', {
        body: {
          currentPassword: formText(form, 'currentPassword'),
          newPassword: formText(form, 'newPassword'),
        },
      }).then(() => true),
    );
    if (done) {
      form.reset();
      setChanged(true);
    }
  };
  return (
    <>
      <h3>Change password</h3>
      <form onSubmit={change} noValidate aria-label="Change password">
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          error={submission.fieldErrors.currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          error={submission.fieldErrors.newPassword}
        />
        <FormError message={submission.formError} />
        <div className="actions">
          <button type="submit" disabled={submission.busy}>
            Change password
          </button>
          <span role="status" className="ok">
            {changed ? 'Password changed; your other sessions were signed out.' : ''}
          </span>
        </div>
      </form>
    </>
  );
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type DigestWeekday = (typeof WEEKDAYS)[number];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

interface DigestPreferences {
  enabled: boolean;
  weekday: DigestWeekday;
  hour: number;
  timezone: string;
}

const dayName = (day: DigestWeekday) => day.charAt(0).toUpperCase() + day.slice(1);
const clock = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** When the weekly digest email arrives, on the person's own clock. */
export function DigestPanel({ timezone }: { timezone: string }) {
  const preferences = useResource((signal) => api<DigestPreferences>('/api/me/digest', { signal }), []);
  return (
    <section className="card" aria-labelledby="digest-heading">
      <h2 id="digest-heading">Weekly digest email</h2>
      <p className="muted">How your posts did last week, and what is queued for the next.</p>
      {preferences.error ? <p className="form-error">{preferences.error}</p> : null}
      {preferences.data ? <DigestForm initial={preferences.data} timezone={timezone} /> : null}
    </section>
  );
}

function DigestForm({ initial, timezone }: { initial: DigestPreferences; timezone: string }) {
  const [enabled, setEnabled] = useState(initial.enabled);
  const [weekday, setWeekday] = useState<DigestWeekday>(initial.weekday);
  const [hour, setHour] = useState(initial.hour);
  const [saved, setSaved] = useState<DigestPreferences | null>(null);
  const submission = useSubmission();
  const enabledId = useId();
  const edit = (apply: () => void) => {
    setSaved(null);
    apply();
  };

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(null);
    const updated = await submission.run(() =>
      api<DigestPreferences>('/api/me/digest', { method: 'PATCH', body: { enabled, weekday, hour } }),
    );
    if (updated) setSaved(updated);
  };

  return (
    <form onSubmit={save} noValidate aria-label="Weekly digest email">
      <div className="check-field">
        <input
          id={enabledId}
          type="checkbox"
          name="enabled"
          checked={enabled}
          onChange={(e) => edit(() => setEnabled(e.target.checked))}
        />
        <label htmlFor={enabledId}>Send me the weekly digest</label>
      </div>
      {submission.fieldErrors.enabled ? (
        <p className="field-error" data-field-error="enabled">
          {submission.fieldErrors.enabled}
        </p>
      ) : null}
      <div className="field-pair">
        <SelectField
          label="Day"
          name="weekday"
          value={weekday}
          disabled={!enabled}
          onChange={(e) => edit(() => setWeekday(e.target.value as DigestWeekday))}
          error={submission.fieldErrors.weekday}
        >
          {WEEKDAYS.map((day) => (
            <option key={day} value={day}>
              {dayName(day)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={`Hour (${timezone})`}
          name="hour"
          value={hour}
          disabled={!enabled}
          onChange={(e) => edit(() => setHour(Number(e.target.value)))}
          error={submission.fieldErrors.hour}
        >
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {clock(h)}
            </option>
          ))}
        </SelectField>
      </div>
      <p className="settings-summary">
        {enabled
          ? `Arrives every ${dayName(weekday)} at ${clock(hour)}, ${timezone} time.`
          : 'You will not receive the weekly digest.'}
      </p>
      <FormError message={submission.formError} />
      <div className="actions">
        <button type="submit" disabled={submission.busy}>
          Save digest settings
        </button>
        <span role="status" className="ok">
          {saved ? 'Digest settings saved.' : ''}
        </span>
      </div>
    </form>
  );
}
