import { memo, type ReactNode } from 'react';
import type { Target } from '../../api/types.ts';
import { formatDueAt, STATUS_LABELS } from '../../ui/format.ts';

/** One post on one channel: when, what, how it went, and what can be done with it. */
export const PostCard = memo(function PostCard({
  target,
  timeZone,
  orgId,
  handle,
  actions,
  dragging,
  channelTag,
}: {
  target: Target;
  timeZone: string;
  orgId: string;
  handle?: ReactNode;
  actions?: ReactNode;
  dragging?: boolean;
  /** Where the post goes, in lists that mix channels (a group's queue). */
  channelTag?: ReactNode;
}) {
  return (
    <article
      className={`post-card status-${target.status}${dragging ? ' dragging' : ''}`}
      aria-label={`Post due ${formatDueAt(target.dueAt, timeZone)}`}
    >
      {handle}
      <div className="post-body">
        <header className="post-meta">
          {channelTag}
          <time dateTime={target.dueAt ?? undefined}>
            {formatDueAt(
              target.status === 'published' ? (target.publishedAt ?? target.dueAt) : target.dueAt,
              timeZone,
            )}
          </time>
          <span className={`badge status status-${target.status}`} data-status={target.status}>
            {STATUS_LABELS[target.status] ?? target.status}
          </span>
          {target.slot === 'custom' && target.status === 'scheduled' ? (
            <span className="badge">Custom time</span>
          ) : null}
        </header>
        <p className="post-text">{target.text || <em className="muted">(no text)</em>}</p>
        {target.media.length > 0 ? (
          <div className="post-media">
            {target.media.slice(0, 4).map((item) => (
              <img
                key={item.mediaId}
                src={`/api/orgs/${orgId}/media/${item.mediaId}/thumbnail`}
                alt={item.altText ?? ''}
                width={56}
                height={56}
                loading="lazy"
                onError={(event) => {
                  event.currentTarget.style.display = 'none';
                }}
              />
            ))}
          </div>
        ) : null}
        {target.networkPostUrl ? (
          <a className="post-link" href={target.networkPostUrl} target="_blank" rel="noreferrer">
            View on the network
          </a>
        ) : null}
        {target.lastError && (target.status === 'failed' || target.status === 'unconfirmed') ? (
          <p className="field-error">{target.lastError.message}</p>
        ) : null}
        {target.rejectionReason ? <p className="muted">Sent back: {target.rejectionReason}</p> : null}
        {actions ? <div className="post-actions">{actions}</div> : null}
      </div>
    </article>
  );
});
