/**
 * Bluesky does not parse a post's text: links, mentions and hashtags are "facets", each naming a
 * UTF-8 byte range of the text. Detection (and the byte offsets) come from @atproto/api's RichText;
 * mentions are then resolved to DIDs, and a handle that does not resolve stays plain text.
 */
export interface Facet {
  index: { byteStart: number; byteEnd: number };
  features: FacetFeature[];
}

export type FacetFeature =
  | { $type: 'app.bsky.richtext.facet#link'; uri: string }
  | { $type: 'app.bsky.richtext.facet#mention'; did: string }
  | { $type: 'app.bsky.richtext.facet#tag'; tag: string };

/**
 * Answers the DID of a handle, or undefined when the handle does not resolve; throws when it cannot
 * tell (the PDS is unreachable), so that a mention never silently turns into plain text.
 */
export type HandleResolver = (handle: string) => Promise<string | undefined>;

export interface PreparedText {
  text: string;
  facets: Facet[];
  graphemes: number;
  /** Link facets' URIs in order of appearance. */
  links: string[];
}

type RichTextClass = typeof import('@atproto/api')['RichText'];
let richText: Promise<RichTextClass> | undefined;

/** @atproto/api is loaded on first use: it takes about half a second, which `spool api` never needs. */
function loadRichText(): Promise<RichTextClass> {
  richText ??= import('@atproto/api').then((module) => module.RichText);
  return richText;
}

export async function prepareText(text: string, resolveHandle: HandleResolver): Promise<PreparedText> {
  const RichText = await loadRichText();
  const rich = new RichText({ text });
  rich.detectFacetsWithoutResolution();
  const detected = (rich.facets ?? []) as Facet[];
  const resolved = new Map<string, Promise<string | undefined>>();
  const facets: Facet[] = [];
  for (const facet of detected) {
    const features: FacetFeature[] = [];
    for (const feature of facet.features) {
      if (feature.$type === 'app.bsky.richtext.facet#mention') {
        // Before resolution the mention's `did` holds the handle as written.
        const handle = feature.did.toLowerCase();
        if (!resolved.has(handle)) resolved.set(handle, resolveHandle(handle));
        const did = await resolved.get(handle);
        if (did) features.push({ $type: 'app.bsky.richtext.facet#mention', did });
      } else {
        features.push(feature);
      }
    }
    if (features.length > 0) facets.push({ index: facet.index, features });
  }
  const links = facets.flatMap((f) =>
    f.features.flatMap((feature) => (feature.$type === 'app.bsky.richtext.facet#link' ? [feature.uri] : [])),
  );
  return { text: rich.text, facets, graphemes: rich.graphemeLength, links };
}
