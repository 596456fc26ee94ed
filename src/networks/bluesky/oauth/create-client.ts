import type { Config } from '../../../config/config.ts';
import { pdsDispatcher } from '../guarded-dispatcher.ts';
import { BlueskyClientKeys, type ClientKeySource } from './client-keys.ts';
import { BlueskyOAuthClient } from './oauth-client.ts';

const OAUTH_TIMEOUT_MS = 15_000;

/** The OAuth client with this process's settings: SSRF rule, PLC directory, keys from the secret keys. */
export function blueskyOAuthClient(
  config: Pick<Config, 'ssrfAllowPrivate' | 'blueskyPlcUrl'>,
  keys: ClientKeySource,
  timeoutMs = OAUTH_TIMEOUT_MS,
): BlueskyOAuthClient {
  return new BlueskyOAuthClient({
    settings: {
      dispatcher: pdsDispatcher(config.ssrfAllowPrivate),
      allowPrivateAddresses: config.ssrfAllowPrivate,
      timeoutMs,
    },
    keys: new BlueskyClientKeys(keys),
    plcUrl: config.blueskyPlcUrl,
  });
}
