import { DateTime } from 'luxon';
import { channelLabel } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { type LocalDateTime, localTimeToInstant } from '../schedule/slots.ts';

/**
 * When a post should go out on a channel, as the composer asks for it:
 * - `queue`: add to the queue (the next free slot after the queue's last post);
 * - `next`: share next (the head of the queue; the others move down one slot);
 * - `now`: share now (due immediately);
 * - `custom`: a chosen instant, or a wall-clock time read in each channel's own time zone;
 * - `draft`: not scheduled.
 */
export type ScheduleRequest =
  | { mode: 'queue' | 'next' | 'now' | 'draft' }
  | { mode: 'custom'; at: Date }
  | { mode: 'custom'; localTime: LocalDateTime };

/** A request made concrete for one channel: custom times are instants. */
export type ResolvedSchedule = { mode: 'queue' | 'next' | 'now' | 'draft' } | { mode: 'custom'; dueAt: Date };

/** As kept on a target waiting for approval (`post_targets.requested_schedule`). */
export interface StoredScheduleRequest {
  mode: 'queue' | 'next' | 'now' | 'custom';
  dueAt?: string;
}

/** How far ahead a custom time may be. */
export const MAX_SCHEDULE_YEARS = 10;

/**
 * Resolves a request for one channel; a custom time must be in the future (`queue.slot_in_past`)
 * and within the next ten years (`queue.slot_too_far`).
 */
export function resolveSchedule(
  request: ScheduleRequest,
  channel: { handle: string; network: string; timezone: string },
  now: Date,
): ResolvedSchedule {
  if (request.mode !== 'custom') return { mode: request.mode };
  const dueAt = 'at' in request ? request.at : localTimeToInstant(channel.timezone, request.localTime);
  if (dueAt.getTime() <= now.getTime()) {
    const local = DateTime.fromJSDate(dueAt, { zone: channel.timezone }).toFormat('ccc d LLL yyyy HH:mm');
    throw new SpoolError(
      'queue.slot_in_past',
      `The time chosen for ${channelLabel(channel)}, ${local} (${channel.timezone}), has already passed. ` +
        'Choose a time in the future, or add the post to the queue.',
      'invalid',
      { dueAt: dueAt.toISOString(), now: now.toISOString() },
    );
  }
  const horizon = new Date(now);
  horizon.setUTCFullYear(horizon.getUTCFullYear() + MAX_SCHEDULE_YEARS);
  if (Number.isNaN(dueAt.getTime()) || dueAt.getTime() > horizon.getTime()) {
    throw new SpoolError(
      'queue.slot_too_far',
      `The time chosen for ${channelLabel(channel)} is more than ${MAX_SCHEDULE_YEARS} years away. ` +
        `Choose a time within the next ${MAX_SCHEDULE_YEARS} years.`,
      'invalid',
      { latest: horizon.toISOString() },
    );
  }
  return { mode: 'custom', dueAt };
}

export function storeScheduleRequest(schedule: ResolvedSchedule): StoredScheduleRequest | null {
  if (schedule.mode === 'draft') return null;
  if (schedule.mode === 'custom') return { mode: 'custom', dueAt: schedule.dueAt.toISOString() };
  return { mode: schedule.mode };
}

export function restoreScheduleRequest(stored: StoredScheduleRequest | null): ScheduleRequest {
  if (!stored) return { mode: 'queue' };
  if (stored.mode === 'custom' && stored.dueAt) return { mode: 'custom', at: new Date(stored.dueAt) };
  return { mode: stored.mode === 'custom' ? 'queue' : stored.mode };
}
