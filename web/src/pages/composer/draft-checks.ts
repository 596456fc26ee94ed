import type { ApiError } from '../../api/client.ts';
import type { Channel } from '../../api/types.ts';
import type { Draft } from './post-drafts.ts';
import type { ChannelCheck } from './validation.ts';

type Rules = typeof import('./validation.ts');

/** Per channel id: that network's count and problems (null while the rules load, or for unknown networks). */
export type ChecksByChannel = Map<string, ChannelCheck | null>;

export interface DraftChecks {
  main: ChecksByChannel;
  /** Per thread part key. */
  parts: Map<string, ChecksByChannel>;
}

/** Checks every part of the draft against the network of every chosen channel, as the server will. */
export function checkDraft(
  rules: Rules | undefined,
  channels: readonly Channel[],
  draft: Draft,
): DraftChecks {
  const main: ChecksByChannel = new Map();
  const parts = new Map<string, ChecksByChannel>(draft.thread.map((part) => [part.key, new Map()]));
  for (const channel of channels) {
    const text = draft.overrides[channel.id] ?? draft.text;
    main.set(
      channel.id,
      rules ? rules.checkForNetwork(channel.network, text, draft.media, draft.title) : null,
    );
    for (const part of draft.thread) {
      parts
        .get(part.key)!
        .set(channel.id, rules ? rules.checkThreadPart(channel.network, part.text, part.media) : null);
    }
  }
  return { main, parts };
}

export function countProblems(checks: ChecksByChannel | undefined): number {
  let total = 0;
  for (const check of checks?.values() ?? []) total += check?.problems.length ?? 0;
  return total;
}

export function draftHasProblems(checks: DraftChecks): boolean {
  return countProblems(checks.main) > 0 || [...checks.parts.values()].some((part) => countProblems(part) > 0);
}

/** Whether a channel's text or any reply breaks that network's rules (its tab is marked). */
export function channelHasProblems(checks: DraftChecks, channelId: string): boolean {
  return [checks.main, ...checks.parts.values()].some(
    (part) => (part.get(channelId)?.problems.length ?? 0) > 0,
  );
}

/** Server messages per channel id. */
export type ServerProblems = Record<string, string[]>;

export interface ServerProblemsByPart {
  main: ServerProblems;
  /** Per thread part key. */
  parts: Record<string, ServerProblems>;
}

// The server names a reply's problems "Thread part 2: …" (part 1 is the post itself).
const PART_PREFIX = /^Thread part (\d+): /;

/**
 * The server's `post.invalid` problems, per channel, each placed on the part it is about. `partKeys`
 * are the thread's keys as they were sent, so a part moved since still gets its own messages.
 */
export function serverProblemsOf(error: ApiError, partKeys: readonly string[]): ServerProblemsByPart {
  const result: ServerProblemsByPart = { main: {}, parts: {} };
  const channels = Array.isArray(error.details.channels)
    ? (error.details.channels as { channelId: string; problems: { message: string }[] }[])
    : [];
  for (const { channelId, problems } of channels) {
    for (const { message } of problems) {
      const match = PART_PREFIX.exec(message);
      const key = match ? partKeys[Number(match[1]) - 2] : undefined;
      const place = key ? (result.parts[key] ?? {}) : result.main;
      if (key) result.parts[key] = place;
      place[channelId] = [...(place[channelId] ?? []), key ? message.replace(PART_PREFIX, '') : message];
    }
  }
  return result;
}

/**
 * Validation errors the server gave for thread parts (`thread.1.text`, `thread.0.media.2.altText`),
 * per part key and then per field within the part (`text`, `media.2.altText`).
 */
export function partFieldErrors(
  fieldErrors: Record<string, string>,
  partKeys: readonly string[],
): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    const match = /^thread\.(\d+)(?:\.(.+))?$/.exec(path);
    const key = match ? partKeys[Number(match[1])] : undefined;
    if (!match || !key) continue;
    result[key] = { ...result[key], [match[2] ?? 'part']: message };
  }
  return result;
}

const LINK = /https?:\/\/\S/i;

/** Whether what the channel publishes (its text or any reply) contains a web link. */
export function channelHasLink(draft: Draft, channelId: string): boolean {
  const text = draft.overrides[channelId] ?? draft.text;
  return LINK.test(text) || draft.thread.some((part) => LINK.test(part.text));
}
