import { z } from 'zod';

/** Path parameters of the organization's resources; a malformed id is a 400, an unknown one a 404. */
export const orgParams = z.object({ orgId: z.uuid() });
export const channelParams = orgParams.extend({ channelId: z.uuid() });
export const groupParams = orgParams.extend({ groupId: z.uuid() });
export const groupChannelParams = groupParams.extend({ channelId: z.uuid() });
export const postParams = orgParams.extend({ postId: z.uuid() });
export const targetParams = postParams.extend({ targetId: z.uuid() });
