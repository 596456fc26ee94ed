/** Networks as the dashboard names them; ids match the server's NETWORK_IDS. */
export const NETWORK_CHOICES = [
  { id: 'mastodon', name: 'Mastodon' },
  { id: 'bluesky', name: 'Bluesky' },
  { id: 'x', name: 'X' },
  { id: 'linkedin', name: 'LinkedIn' },
  { id: 'threads', name: 'Threads' },
  { id: 'facebook', name: 'Facebook' },
  { id: 'instagram', name: 'Instagram' },
  { id: 'pinterest', name: 'Pinterest' },
  { id: 'youtube', name: 'YouTube' },
] as const;

export function networkName(id: string): string {
  return NETWORK_CHOICES.find((n) => n.id === id)?.name ?? id;
}

/** "@shop on Mastodon" */
export function channelName(channel: { handle: string; network: string; displayName?: string }): string {
  const handle = channel.handle.startsWith('@') ? channel.handle : `@${channel.handle}`;
  return `${handle} · ${networkName(channel.network)}`;
}
