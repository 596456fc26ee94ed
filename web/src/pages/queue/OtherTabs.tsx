import { useState } from 'react';
import { allPages, api } from '../../api/client.ts';
import type { Channel, Target } from '../../api/types.ts';
import { navigate } from '../../app/router.ts';
import { FormError, useSubmission } from '../../ui/forms.tsx';
import { useResource } from '../../ui/use-resource.ts';
import { PostCard } from './PostCard.tsx';

export type OtherTab = 'awaiting_approval' | 'drafts' | 'sent' | 'failed';

/** Sent, failed, drafts and posts awaiting approval of one channel, with what can be done next. */
export function OtherTabList({
  orgId,
  channel,
  tab,
  canPublish,
  version,
}: {
  orgId: string;
  channel: Channel;
  tab: OtherTab;
  canPublish: boolean;
  /** Bumped by live events so the list refreshes. */
  version: number;
}) {
  const list = useResource(
    (signal) =>
      allPages<Target>(`/api/orgs/${orgId}/posts?status=${tab}&channelId=${channel.id}`, 500, signal),
    [orgId, channel.id, tab, version],
  );
  const submission = useSubmission();
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const post = (target: Target, path: string, body: unknown = {}) =>
    submission.run(async () => {
      await api(`/api/orgs/${orgId}/posts/${target.postId}${path}`, { method: 'POST', body });
      await list.reload();
    });

  const empty: Record<OtherTab, string> = {
    awaiting_approval: 'Nothing is waiting for approval.',
    drafts: 'No drafts.',
    sent: 'Nothing published yet.',
    failed: 'Nothing failed. 🎉',
  };

  return (
    <div>
      <FormError message={submission.formError ?? (Object.values(submission.fieldErrors)[0] || null)} />
      {list.error ? <p className="form-error">{list.error}</p> : null}
      {list.data?.length === 0 ? <p className="empty">{empty[tab]}</p> : null}
      <ol className="queue-list">
        {list.data?.map((target) => (
          <li key={target.id} data-target-id={target.id}>
            <PostCard
              target={target}
              timeZone={channel.timezone}
              orgId={orgId}
              actions={
                <>
                  {tab === 'failed' && canPublish ? (
                    <button
                      type="button"
                      className="small primary"
                      onClick={() => void post(target, `/targets/${target.id}/requeue`)}
                    >
                      Retry
                    </button>
                  ) : null}
                  {tab === 'sent' && canPublish ? (
                    <button
                      type="button"
                      className="small"
                      onClick={() => void post(target, `/targets/${target.id}/rebuffer`)}
                    >
                      Share again
                    </button>
                  ) : null}
                  {tab === 'drafts' ? (
                    <>
                      <button
                        type="button"
                        className="small primary"
                        onClick={() => void post(target, '/schedule', { schedule: { mode: 'queue' } })}
                      >
                        {canPublish ? 'Add to queue' : 'Request approval'}
                      </button>
                      <button
                        type="button"
                        className="small"
                        onClick={() => navigate(`/compose?post=${target.postId}`)}
                      >
                        Edit
                      </button>
                    </>
                  ) : null}
                  {tab === 'awaiting_approval' && canPublish ? (
                    <>
                      <button
                        type="button"
                        className="small primary"
                        onClick={() => void post(target, '/approve')}
                      >
                        Approve
                      </button>
                      <button type="button" className="small" onClick={() => setRejecting(target.postId)}>
                        Send back
                      </button>
                    </>
                  ) : null}
                  {tab === 'awaiting_approval' && !canPublish ? (
                    <span className="muted">Waiting for an editor.</span>
                  ) : null}
                  {rejecting === target.postId ? (
                    <form
                      className="inline-form"
                      onSubmit={(event) => {
                        event.preventDefault();
                        void post(target, '/reject', { reason }).then(() => setRejecting(null));
                      }}
                    >
                      <label htmlFor={`reason-${target.id}`}>Why?</label>
                      <input
                        id={`reason-${target.id}`}
                        value={reason}
                        onChange={(e) => setReason(e.target.value)}
                      />
                      <button type="submit" className="small">
                        Send back
                      </button>
                    </form>
                  ) : null}
                </>
              }
            />
          </li>
        ))}
      </ol>
    </div>
  );
}
