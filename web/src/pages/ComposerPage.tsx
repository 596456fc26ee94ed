import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import { useChannels, useGroups } from '../api/org-data.ts';
import type { Channel, Post } from '../api/types.ts';
import { linkHandler, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { ChannelPicker } from './composer/ChannelPicker.tsx';
import { MediaPicker } from './composer/MediaPicker.tsx';
import { Preview } from './composer/Preview.tsx';
import { type Draft, EMPTY, loadIdea, loadPost, saveEdit } from './composer/post-drafts.ts';
import { type ScheduleMode, SchedulePicker, scheduleBody } from './composer/SchedulePicker.tsx';
import { useNetworkRules } from './composer/use-network-rules.ts';
import type { ChannelCheck } from './composer/validation.ts';

/** Write once for several channels, adjust per channel, check against each network, schedule. */
export function ComposerPage() {
  const { org } = useSession();
  const abilities = useAbilities();
  const { query } = useLocation();
  const channels = useChannels(org.id);
  const groups = useGroups(org.id);
  const editing = query.get('post');
  const [draft, setDraft] = useState<Draft>(() => ({ ...EMPTY, text: sharedText(query) }));
  const [tab, setTab] = useState<string>('all');
  const [mode, setMode] = useState<ScheduleMode>(editing ? 'keep' : 'queue');
  const [localTime, setLocalTime] = useState(defaultLocalTime);
  const [serverProblems, setServerProblems] = useState<Record<string, string[]>>({});
  const [done, setDone] = useState<Post | null>(null);
  const submission = useSubmission();

  useEffect(() => {
    const ideaId = query.get('idea');
    if (editing) void loadPost(org.id, editing).then(setDraft, () => undefined);
    else if (ideaId) void loadIdea(org.id, ideaId).then(setDraft, () => undefined);
  }, [org.id, editing, query]);

  const chosen = useMemo(
    () => (channels.data ?? []).filter((channel) => draft.selected.has(channel.id)),
    [channels.data, draft.selected],
  );
  const rules = useNetworkRules();
  const checks = useMemo(() => {
    const result = new Map<string, ChannelCheck | null>();
    for (const channel of chosen) {
      result.set(
        channel.id,
        rules
          ? rules.checkForNetwork(
              channel.network,
              draft.overrides[channel.id] ?? draft.text,
              draft.media,
              draft.title,
            )
          : null,
      );
    }
    return result;
  }, [chosen, draft, rules]);
  const blocking =
    [...checks.values()].some((check) => (check?.problems.length ?? 0) > 0) && mode !== 'draft';

  const update = (change: Partial<Draft>) => {
    setDone(null);
    setDraft((current) => ({ ...current, ...change }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerProblems({});
    const media = draft.media.map((m) => ({ mediaId: m.mediaId, altText: m.altText }));
    const overrides = Object.entries(draft.overrides)
      .filter(([channelId]) => draft.selected.has(channelId))
      .map(([channelId, text]) => ({ channelId, text }));
    const post = await submission.run(async () => {
      try {
        if (editing) return await saveEdit(org.id, editing, draft, media, mode, localTime);
        return await api<Post>(`/api/orgs/${org.id}/posts`, {
          idempotent: true,
          body: {
            text: draft.text,
            title: draft.title,
            media,
            channelIds: [...draft.selected],
            overrides,
            schedule: scheduleBody(mode === 'keep' ? 'queue' : mode, localTime),
          },
        });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'post.invalid')
          setServerProblems(problemsByChannel(error));
        throw error;
      }
    });
    if (post) {
      setDone(post);
      if (!editing) {
        setDraft({ ...EMPTY, selected: draft.selected });
        setTab('all');
      }
    }
  };

  const activeChannel = chosen.find((c) => c.id === tab);
  const activeText = activeChannel ? (draft.overrides[activeChannel.id] ?? draft.text) : draft.text;
  const submitLabel =
    mode === 'draft'
      ? 'Save draft'
      : !abilities.publish
        ? 'Request approval'
        : editing
          ? 'Save changes'
          : labelFor(mode);

  return (
    <div className="composer">
      <div className="page-head">
        <h1>{editing ? 'Edit post' : 'Compose'}</h1>
      </div>
      <form className="card composer-form" onSubmit={submit} noValidate>
        <ChannelPicker
          channels={channels.data ?? []}
          groups={groups.data ?? []}
          selected={draft.selected}
          disabled={Boolean(editing)}
          error={submission.fieldErrors.channelIds}
          onChange={(selected) => update({ selected })}
        />
        <div className="tabs" role="tablist" aria-label="Customise per channel">
          <button type="button" role="tab" aria-selected={tab === 'all'} onClick={() => setTab('all')}>
            All channels
          </button>
          {chosen.map((channel) => (
            <button
              key={channel.id}
              type="button"
              role="tab"
              aria-selected={tab === channel.id}
              className={(checks.get(channel.id)?.problems.length ?? 0) > 0 ? 'has-problem' : ''}
              onClick={() => setTab(channel.id)}
            >
              {channelName(channel)}
              {draft.overrides[channel.id] !== undefined ? ' ✎' : ''}
            </button>
          ))}
        </div>
        <div role="tabpanel" className="tab-panel">
          {activeChannel ? (
            <OverrideControls
              channel={activeChannel}
              customised={draft.overrides[activeChannel.id] !== undefined}
              onToggle={(on) => {
                const overrides = { ...draft.overrides };
                if (on) overrides[activeChannel.id] = draft.text;
                else delete overrides[activeChannel.id];
                update({ overrides });
              }}
            />
          ) : null}
          <div className={`field${submission.fieldErrors.text ? ' field-invalid' : ''}`}>
            <label htmlFor="composer-text">
              {activeChannel ? `Text on ${channelName(activeChannel)}` : 'What do you want to share?'}
            </label>
            <textarea
              id="composer-text"
              rows={6}
              value={activeText}
              readOnly={Boolean(activeChannel) && draft.overrides[activeChannel?.id ?? ''] === undefined}
              aria-invalid={submission.fieldErrors.text ? true : undefined}
              onChange={(event) => {
                if (activeChannel)
                  update({ overrides: { ...draft.overrides, [activeChannel.id]: event.target.value } });
                else update({ text: event.target.value });
              }}
            />
            {submission.fieldErrors.text ? (
              <p className="field-error" role="alert" data-field-error="text">
                {submission.fieldErrors.text}
              </p>
            ) : null}
          </div>
          {activeChannel ? <Preview channel={activeChannel} text={activeText} media={draft.media} /> : null}
          <ChannelChecks
            channels={activeChannel ? [activeChannel] : chosen}
            checks={checks}
            server={serverProblems}
          />
        </div>
        <MediaPicker orgId={org.id} media={draft.media} onChange={(media) => update({ media })} />
        <SchedulePicker
          mode={mode}
          localTime={localTime}
          modes={
            editing ? ['keep', 'queue', 'next', 'now', 'custom'] : ['queue', 'next', 'now', 'custom', 'draft']
          }
          error={submission.fieldErrors['schedule.localTime'] ?? submission.fieldErrors.schedule}
          onChange={(nextMode, nextTime) => {
            setMode(nextMode);
            setLocalTime(nextTime);
          }}
        />
        {!abilities.publish && mode !== 'draft' ? (
          <p className="muted">As a contributor, your post goes to an editor for approval first.</p>
        ) : null}
        <FormError message={submission.formError} />
        {done ? <Confirmation post={done} /> : null}
        <div className="actions sticky-actions">
          <button
            className="primary"
            type="submit"
            disabled={submission.busy || blocking || chosen.length === 0}
          >
            {submission.busy ? 'Saving…' : submitLabel}
          </button>
          {blocking ? <span className="muted">Fix the problems above first.</span> : null}
        </div>
      </form>
    </div>
  );
}

function OverrideControls({
  channel,
  customised,
  onToggle,
}: {
  channel: Channel;
  customised: boolean;
  onToggle(on: boolean): void;
}) {
  return (
    <label className="toggle">
      <input type="checkbox" checked={customised} onChange={(event) => onToggle(event.target.checked)} />
      Customise the text for {channelName(channel)}
    </label>
  );
}

function ChannelChecks({
  channels,
  checks,
  server,
}: {
  channels: Channel[];
  checks: Map<string, ChannelCheck | null>;
  server: Record<string, string[]>;
}) {
  return (
    <ul className="checks" aria-live="polite">
      {channels.map((channel) => {
        const check = checks.get(channel.id);
        if (!check) return null;
        const over = check.length > check.maxLength;
        const problems = [...check.problems.map((p) => p.message), ...(server[channel.id] ?? [])];
        return (
          <li key={channel.id} data-channel-check={channel.id}>
            <span className={`counter${over ? ' over' : ''}`}>
              {channelName(channel)}: {check.length}/{check.maxLength}
              {check.unit === 'bytes' ? ' bytes' : ''}
            </span>
            {[...new Set(problems)].map((message) => (
              <span key={message} className="field-error" role="alert">
                {message}
              </span>
            ))}
          </li>
        );
      })}
    </ul>
  );
}

function Confirmation({ post }: { post: Post }) {
  const statuses = new Set(post.targets.map((t) => t.status));
  const message = statuses.has('awaiting_approval')
    ? 'Sent for approval.'
    : statuses.has('draft')
      ? 'Saved as a draft.'
      : `Scheduled on ${post.targets.length} channel${post.targets.length === 1 ? '' : 's'}.`;
  return (
    <p className="notice ok" role="status">
      {message}{' '}
      <a href="/queue" onClick={linkHandler('/queue')}>
        See the queue
      </a>
    </p>
  );
}

function labelFor(mode: ScheduleMode): string {
  return {
    queue: 'Add to queue',
    next: 'Share next',
    now: 'Share now',
    custom: 'Schedule',
    draft: 'Save draft',
    keep: 'Save',
  }[mode];
}

function defaultLocalTime(): string {
  const soon = new Date(Date.now() + 60 * 60 * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}T${pad(soon.getHours())}:00`;
}

/** What a phone's share sheet sent (Web Share Target), as the post's first text. */
function sharedText(query: URLSearchParams): string {
  return ['title', 'text', 'url']
    .map((key) => query.get(key)?.trim() ?? '')
    .filter((value, index, all) => value !== '' && all.indexOf(value) === index)
    .join('\n');
}

function problemsByChannel(error: ApiError): Record<string, string[]> {
  const channels = Array.isArray(error.details.channels)
    ? (error.details.channels as { channelId: string; problems: { message: string }[] }[])
    : [];
  return Object.fromEntries(channels.map((c) => [c.channelId, c.problems.map((p) => p.message)]));
}
