import { useEffect, useId, useRef, useState } from 'react';
import type { Channel } from '../../api/types.ts';
import { ChannelChecks } from './ChannelChecks.tsx';
import { type ChecksByChannel, countProblems, type ServerProblems } from './draft-checks.ts';
import { MediaPicker } from './MediaPicker.tsx';
import { newThreadPart, type ThreadPartDraft } from './post-drafts.ts';
import './composer.css';

/** The server's limit on the replies of one post. */
const MAX_PARTS = 50;

type FocusTarget = { key: string; control: 'text' | 'up' | 'down' } | { key: null; control: 'add' };

/**
 * Parts 2, 3, … of a thread, each published as a reply to the one before: its own text, live count
 * and problems per chosen network, its own media; parts can be removed and moved with the keyboard.
 */
export function ThreadEditor({
  orgId,
  parts,
  channels,
  checks,
  server,
  fieldErrors,
  threadError,
  onChange,
  onPartEdited,
}: {
  orgId: string;
  parts: ThreadPartDraft[];
  channels: readonly Channel[];
  checks: ReadonlyMap<string, ChecksByChannel>;
  /** The server's problems per part key, per channel. */
  server: Record<string, ServerProblems>;
  /** The server's validation errors per part key, per field of the part (`text`, `media.0.altText`). */
  fieldErrors: Record<string, Record<string, string>>;
  threadError?: string | undefined;
  onChange(parts: ThreadPartDraft[]): void;
  /** A part's content changed: what the server said about it no longer applies. */
  onPartEdited?(key: string): void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const pendingFocus = useRef<FocusTarget | null>(null);
  const [announcement, setAnnouncement] = useState('');

  // Moving or removing a part re-renders the list; focus follows the part the keyboard user acted on.
  useEffect(() => {
    const target = pendingFocus.current;
    if (!target || !container.current) return;
    pendingFocus.current = null;
    if (target.key === null) {
      container.current.querySelector<HTMLElement>('[data-action="add"]')?.focus();
      return;
    }
    const part = container.current.querySelector(`[data-part-key="${target.key}"]`);
    // A part moved to an end keeps focus on the other move button, so it can be moved back at once.
    const controls =
      target.control === 'text' ? [] : [target.control, target.control === 'up' ? 'down' : 'up'];
    const button = controls
      .map((control) => part?.querySelector<HTMLButtonElement>(`[data-action="${control}"]`))
      .find((candidate) => candidate && !candidate.disabled);
    (button ?? part?.querySelector<HTMLElement>('textarea'))?.focus();
  });

  const update = (key: string, change: Partial<ThreadPartDraft>) => {
    onPartEdited?.(key);
    onChange(parts.map((part) => (part.key === key ? { ...part, ...change } : part)));
  };

  const add = () => {
    const part = newThreadPart();
    pendingFocus.current = { key: part.key, control: 'text' };
    onChange([...parts, part]);
  };

  const move = (index: number, by: -1 | 1) => {
    const to = index + by;
    const moving = parts[index];
    if (!moving || to < 0 || to >= parts.length) return;
    const next = parts.filter((_, i) => i !== index);
    next.splice(to, 0, moving);
    pendingFocus.current = { key: moving.key, control: by < 0 ? 'up' : 'down' };
    setAnnouncement(`Part ${index + 2} moved ${by < 0 ? 'up' : 'down'}; it is now part ${to + 2}.`);
    onChange(next);
  };

  const remove = (index: number) => {
    const next = parts.filter((_, i) => i !== index);
    const neighbour = next[index] ?? next[index - 1];
    pendingFocus.current = neighbour
      ? { key: neighbour.key, control: 'text' }
      : { key: null, control: 'add' };
    setAnnouncement(`Part ${index + 2} removed.`);
    onChange(next);
  };

  return (
    <div className="thread-editor" ref={container}>
      {parts.length > 0 ? (
        <ol className="thread-parts" aria-label="Further parts of the thread">
          {parts.map((part, index) => (
            <ThreadPartEditor
              key={part.key}
              orgId={orgId}
              part={part}
              position={index + 2}
              isFirst={index === 0}
              isLast={index === parts.length - 1}
              channels={channels}
              checks={checks.get(part.key)}
              server={server[part.key]}
              fieldErrors={fieldErrors[part.key] ?? {}}
              onChange={(change) => update(part.key, change)}
              onMove={(by) => move(index, by)}
              onRemove={() => remove(index)}
            />
          ))}
        </ol>
      ) : null}
      <div className="button-row">
        <button type="button" data-action="add" onClick={add} disabled={parts.length >= MAX_PARTS}>
          + Add to thread
        </button>
        {parts.length === 0 ? (
          <span className="hint thread-hint">
            Each further part is published as a reply to the one before.
          </span>
        ) : (
          <span className="hint thread-hint">The replies are the same on every channel.</span>
        )}
      </div>
      {threadError ? (
        <p className="field-error" role="alert" data-field-error="thread">
          {threadError}
        </p>
      ) : null}
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}

function ThreadPartEditor({
  orgId,
  part,
  position,
  isFirst,
  isLast,
  channels,
  checks,
  server,
  fieldErrors,
  onChange,
  onMove,
  onRemove,
}: {
  orgId: string;
  part: ThreadPartDraft;
  position: number;
  isFirst: boolean;
  isLast: boolean;
  channels: readonly Channel[];
  checks: ChecksByChannel | undefined;
  server: ServerProblems | undefined;
  fieldErrors: Record<string, string>;
  onChange(change: Partial<ThreadPartDraft>): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}) {
  const id = useId();
  const textError = fieldErrors.text;
  const otherErrors = Object.entries(fieldErrors).filter(([field]) => field !== 'text');
  const problems = countProblems(checks) + Object.values(server ?? {}).flat().length;
  const describedBy = [`${id}-checks`, textError ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <li
      className={`thread-part${problems > 0 || textError ? ' has-problem' : ''}`}
      data-part-key={part.key}
      data-thread-part={position}
      aria-labelledby={`${id}-title`}
    >
      <div className="thread-part-head">
        <h3 id={`${id}-title`}>Part {position}</h3>
        <div className="thread-part-actions">
          <button
            type="button"
            className="small"
            data-action="up"
            aria-label={`Move part ${position} up`}
            disabled={isFirst}
            onClick={() => onMove(-1)}
          >
            ↑ Up
          </button>
          <button
            type="button"
            className="small"
            data-action="down"
            aria-label={`Move part ${position} down`}
            disabled={isLast}
            onClick={() => onMove(1)}
          >
            ↓ Down
          </button>
          <button
            type="button"
            className="small danger"
            aria-label={`Remove part ${position}`}
            onClick={onRemove}
          >
            Remove
          </button>
        </div>
      </div>
      <div className={`field${textError ? ' field-invalid' : ''}`}>
        <label htmlFor={`${id}-text`}>Text of part {position}</label>
        <textarea
          id={`${id}-text`}
          rows={4}
          value={part.text}
          aria-invalid={textError || problems > 0 ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => onChange({ text: event.target.value })}
        />
        {textError ? (
          <p id={`${id}-error`} className="field-error" role="alert" data-field-error="thread.text">
            {textError}
          </p>
        ) : null}
      </div>
      <ChannelChecks id={`${id}-checks`} channels={channels} checks={checks} server={server} />
      <MediaPicker
        orgId={orgId}
        media={part.media}
        label={`Images or videos for part ${position}`}
        onChange={(media) => onChange({ media })}
      />
      {otherErrors.map(([field, message]) => (
        <p key={field} className="field-error" role="alert" data-field-error={`thread.${field}`}>
          {message}
        </p>
      ))}
    </li>
  );
}
