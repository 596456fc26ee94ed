/** Dates as people read them, in the channel's own time zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    try {
      found = new Intl.DateTimeFormat(undefined, { ...options, timeZone });
    } catch {
      found = new Intl.DateTimeFormat(undefined, options);
    }
    formatters.set(key, found);
  }
  return found;
}

export function formatDueAt(iso: string | null, timeZone: string): string {
  if (!iso) return 'No time yet';
  return formatter(timeZone, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function formatTime(iso: string, timeZone?: string): string {
  return formatter(timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, {
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  awaiting_approval: 'Awaiting approval',
  queued: 'Queued',
  scheduled: 'Scheduled',
  publishing: 'Publishing…',
  published: 'Published',
  failed: 'Failed',
  unconfirmed: 'Unconfirmed',
};
