import { z } from 'zod';

/** Path parameters of the organization's resources; a malformed id is a 400, an unknown one a 404. */
export const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
export const channelParams = orgParams.extend({ channelId: z.uuid().toLowerCase() });
export const groupParams = orgParams.extend({ groupId: z.uuid().toLowerCase() });
export const groupChannelParams = groupParams.extend({ channelId: z.uuid().toLowerCase() });
export const postParams = orgParams.extend({ postId: z.uuid().toLowerCase() });
export const targetParams = postParams.extend({ targetId: z.uuid().toLowerCase() });
