import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client.ts';
import { useChannels, useGroups } from '../api/org-data.ts';
import type { Channel, Post } from '../api/types.ts';
import { linkHandler, useLocation } from '../app/router.ts';
import { useAbilities, useSession } from '../app/session.tsx';
import { FormError, useSubmission } from '../ui/forms.tsx';
import { channelName } from '../ui/networks.ts';
import { ChannelChecks } from './composer/ChannelChecks.tsx';
import { ChannelPicker } from './composer/ChannelPicker.tsx';
import {
  channelHasLink,
  channelHasProblems,
  checkDraft,
  draftHasProblems,
  partFieldErrors,
  type ServerProblemsByPart,
  serverProblemsOf,
} from './composer/draft-checks.ts';
import { LinkOptions } from './composer/LinkOptions.tsx';
import { MediaPicker } from './composer/MediaPicker.tsx';
import { Preview } from './composer/Preview.tsx';
import { createPost, type Draft, EMPTY, loadIdea, loadPost, saveEdit } from './composer/post-drafts.ts';
import { type ScheduleMode, SchedulePicker } from './composer/SchedulePicker.tsx';
import { ThreadEditor } from './composer/ThreadEditor.tsx';
import { useNetworkRules } from './composer/use-network-rules.ts';

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
  const [serverProblems, setServerProblems] = useState<ServerProblemsByPart>(NO_SERVER_PROBLEMS);
  // The thread's part keys as last sent: the server names parts by position, the page by key.
  const [sentPartKeys, setSentPartKeys] = useState<string[]>([]);
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
  const checks = useMemo(() => checkDraft(rules, chosen, draft), [chosen, draft, rules]);
  const blocking = draftHasProblems(checks) && mode !== 'draft';

  const update = (change: Partial<Draft>) => {
    setDone(null);
    setDraft((current) => ({ ...current, ...change }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerProblems(NO_SERVER_PROBLEMS);
    const partKeys = draft.thread.map((part) => part.key);
    setSentPartKeys(partKeys);
    const post = await submission.run(async () => {
      try {
        if (editing) return await saveEdit(org.id, editing, draft, mode, localTime);
        return await createPost(org.id, draft, mode, localTime);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'post.invalid')
          setServerProblems(serverProblemsOf(error, partKeys));
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

  const forgetPartProblems = (key: string) => {
    if (!sentPartKeys.includes(key) && !serverProblems.parts[key]) return;
    setSentPartKeys((keys) => keys.map((k) => (k === key ? '' : k)));
    setServerProblems(({ main, parts }) => ({
      main,
      parts: Object.fromEntries(Object.entries(parts).filter(([k]) => k !== key)),
    }));
  };

  const activeChannel = chosen.find((c) => c.id === tab);
  const activeText = activeChannel ? (draft.overrides[activeChannel.id] ?? draft.text) : draft.text;
  const withLinks = (activeChannel ? [activeChannel] : chosen).filter((c) => channelHasLink(draft, c.id));
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
              className={channelHasProblems(checks, channel.id) ? 'has-problem' : ''}
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
          {activeChannel ? (
            <Preview channel={activeChannel} text={activeText} media={draft.media} thread={draft.thread} />
          ) : null}
          <ChannelChecks
            channels={activeChannel ? [activeChannel] : chosen}
            checks={checks.main}
            server={serverProblems.main}
          />
          <LinkOptions orgId={org.id} channels={withLinks} />
        </div>
        <MediaPicker
          orgId={org.id}
          media={draft.media}
          label={draft.thread.length > 0 ? 'Images or videos for part 1' : 'Images or videos'}
          onChange={(media) => update({ media })}
        />
        <ThreadEditor
          orgId={org.id}
          parts={draft.thread}
          channels={chosen}
          checks={checks.parts}
          server={serverProblems.parts}
          fieldErrors={partFieldErrors(submission.fieldErrors, sentPartKeys)}
          threadError={submission.fieldErrors.thread}
          onChange={(thread) => update({ thread })}
          onPartEdited={forgetPartProblems}
        />
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
          {!blocking && chosen.length === 0 ? (
            <span className="muted">Choose at least one channel under “Post to”.</span>
          ) : null}
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

const NO_SERVER_PROBLEMS: ServerProblemsByPart = { main: {}, parts: {} };
