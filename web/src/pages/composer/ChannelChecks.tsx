import type { Channel } from '../../api/types.ts';
import { channelName } from '../../ui/networks.ts';
import type { ChecksByChannel, ServerProblems } from './draft-checks.ts';

/** Per chosen channel: the live count against that network's limit, and what is wrong, with the server's word. */
export function ChannelChecks({
  channels,
  checks,
  server,
  id,
}: {
  channels: readonly Channel[];
  checks: ChecksByChannel | undefined;
  server: ServerProblems | undefined;
  /** So the text field it checks can point at it (`aria-describedby`). */
  id?: string;
}) {
  return (
    <ul className="checks" aria-live="polite" id={id}>
      {channels.map((channel) => {
        const check = checks?.get(channel.id);
        if (!check) return null;
        const over = check.length > check.maxLength;
        const problems = [...check.problems.map((p) => p.message), ...(server?.[channel.id] ?? [])];
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
