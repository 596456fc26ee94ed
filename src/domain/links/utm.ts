/**
 * UTM parameters, so that a team sees in its web analytics which network and campaign a visit came
 * from: utm_source is the channel's network, utm_medium is "social", utm_campaign is set per channel.
 */
export interface UtmParameters {
  source: string;
  medium: string;
  campaign: string;
}

export function utmForChannel(network: string, campaign: string): UtmParameters {
  return { source: network, medium: 'social', campaign };
}

/**
 * Appends the UTM parameters to an http(s) URL, leaving everything the author wrote byte for byte as
 * it was (existing query, its encoding, the fragment). A parameter the URL already carries is kept:
 * the author chose it deliberately. Other URLs are returned unchanged.
 */
export function appendUtm(url: string, utm: UtmParameters): string {
  if (!/^https?:\/\//i.test(url)) return url;
  const hashAt = url.indexOf('#');
  const beforeFragment = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeFragment.indexOf('?');
  const base = queryAt === -1 ? beforeFragment : beforeFragment.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeFragment.slice(queryAt + 1);

  const present = new Set(new URLSearchParams(query).keys());
  const added = (
    [
      ['utm_source', utm.source],
      ['utm_medium', utm.medium],
      ['utm_campaign', utm.campaign],
    ] as const
  )
    .filter(([name, value]) => value !== '' && !present.has(name))
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  if (added.length === 0) return url;

  // A bare origin gets its root path, so the query does not run into the host.
  const path = /^https?:\/\/[^/]*$/i.test(base) ? `${base}/` : base;
  const separator = query === '' || query.endsWith('&') ? '' : '&';
  return `${path}?${query}${separator}${added.join('&')}${fragment}`;
}
