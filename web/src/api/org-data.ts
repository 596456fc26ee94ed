import { useResource } from '../ui/use-resource.ts';
import { api } from './client.ts';
import type { Channel, ProfileGroup } from './types.ts';

/** The organization's channels, loaded once per page. */
export function useChannels(orgId: string) {
  return useResource(
    async (signal) =>
      (await api<{ channels: Channel[] }>(`/api/orgs/${orgId}/channels`, { signal })).channels,
    [orgId],
  );
}

export function useGroups(orgId: string) {
  return useResource(
    async (signal) => (await api<{ groups: ProfileGroup[] }>(`/api/orgs/${orgId}/groups`, { signal })).groups,
    [orgId],
  );
}
