import { describe, expect, it } from 'vitest';
import { NETWORK_IDS, NETWORK_RULES, type NetworkId, rulesFor } from './network-rules.ts';
import { formatBytes, type MediaAttachment, type PostDraft, validateForNetwork } from './validate-post.ts';

const MB = 1_000_000;
const jpeg = (bytes = 200_000): MediaAttachment => ({ mimeType: 'image/jpeg', bytes });
const mp4 = (bytes = 20 * MB): MediaAttachment => ({ mimeType: 'video/mp4', bytes });

function check(network: NetworkId, post: Partial<PostDraft>) {
  return validateForNetwork(rulesFor(network), { text: '', media: [], ...post });
}

function codes(network: NetworkId, post: Partial<PostDraft>) {
  return check(network, post).map((problem) => problem.code);
}

describe('text length', () => {
  it('explains how far over the limit a post is, naming the network', () => {
    const problems = check('bluesky', { text: 'a'.repeat(312) });
    expect(problems).toEqual([
      {
        code: 'text.too_long',
        network: 'bluesky',
        message: 'Bluesky posts can be at most 300 characters; this one has 312. Remove 12.',
        limit: 300,
        actual: 312,
      },
    ]);
  });

  it('accepts text exactly at the limit', () => {
    expect(check('bluesky', { text: '🇯🇵'.repeat(300) })).toEqual([]);
    expect(check('x', { text: 'a'.repeat(280) })).toEqual([]);
  });

  it('says how the network counts when it is not plain characters', () => {
    const [problem] = check('x', { text: `${'a'.repeat(270)} https://example.com/${'x'.repeat(50)}` });
    expect(problem?.message).toBe(
      'X posts can be at most 280 characters; this one has 294 (every link counts as 23, and emoji and CJK characters as 2). Remove 14.',
    );
  });

  it('counts Mastodon links as 23 and mentions without their domain', () => {
    const text = `${'a'.repeat(450)} @alice@example.social https://example.com/${'p'.repeat(100)}`;
    expect(check('mastodon', { text })).toEqual([]);
  });

  it('measures YouTube descriptions in bytes', () => {
    const [problem] = check('youtube', { text: 'é'.repeat(2_501), title: 'A title', media: [mp4()] });
    expect(problem?.code).toBe('text.too_long');
    expect(problem?.message).toBe(
      'YouTube video descriptions can be at most 5,000 bytes; this one has 5,002 (measured in UTF-8 bytes: accented letters take 2, most emoji 4). Remove 2 bytes.',
    );
  });

  it('uses large limits as data (Facebook 63,206, LinkedIn 3,000, Instagram 2,200, Threads 500)', () => {
    expect(codes('facebook', { text: 'a'.repeat(63_206) })).toEqual([]);
    expect(codes('facebook', { text: 'a'.repeat(63_207) })).toEqual(['text.too_long']);
    expect(codes('linkedin', { text: 'a'.repeat(3_001) })).toEqual(['text.too_long']);
    expect(codes('instagram', { text: 'a'.repeat(2_201), media: [jpeg()] })).toEqual(['text.too_long']);
    expect(codes('threads', { text: 'a'.repeat(500) })).toEqual([]);
    expect(codes('threads', { text: `${'a'.repeat(497)}😀` })).toEqual(['text.too_long']);
  });

  it('refuses characters a network forbids', () => {
    const problems = check('youtube', { text: 'a <b> tag', title: 'x > y', media: [mp4()] });
    expect(problems.map((problem) => [problem.code, problem.message])).toEqual([
      ['text.forbidden_character', 'YouTube video descriptions cannot contain "<" or ">"; remove them.'],
      ['title.forbidden_character', 'YouTube titles cannot contain ">"; remove it.'],
    ]);
  });

  it('needs some content', () => {
    expect(check('mastodon', { text: '  ' })).toEqual([
      {
        code: 'content.empty',
        network: 'mastodon',
        message: 'Mastodon posts need some text or an attachment.',
      },
    ]);
    expect(codes('mastodon', { text: '', media: [jpeg()] })).toEqual([]);
  });
});

describe('required fields', () => {
  it('Instagram requires media', () => {
    expect(check('instagram', { text: 'hello' })).toEqual([
      {
        code: 'media.required',
        network: 'instagram',
        message: 'Instagram needs at least one photo or video for this post; attach one.',
      },
    ]);
    expect(codes('instagram', { text: 'hello', media: [mp4()] })).toEqual([]);
  });

  it('Pinterest requires a board and an image', () => {
    expect(check('pinterest', { text: 'pin' }).map((problem) => [problem.code, problem.message])).toEqual([
      ['board.required', 'Pinterest needs a board to pin to; choose one.'],
      ['media.image_required', 'Pinterest needs an image for this post; attach one.'],
    ]);
    expect(codes('pinterest', { text: 'pin', boardId: '  ', media: [jpeg()] })).toEqual(['board.required']);
    expect(codes('pinterest', { text: 'pin', boardId: 'b1', media: [jpeg()] })).toEqual([]);
  });

  it('YouTube requires a video and a title of at most 100 characters', () => {
    expect(check('youtube', { text: 'desc' }).map((problem) => [problem.code, problem.message])).toEqual([
      ['title.required', 'YouTube needs a title for this post; add one.'],
      ['media.video_required', 'YouTube needs a video for this post; attach one.'],
    ]);
    const [problem] = check('youtube', { text: 'desc', title: 't'.repeat(104), media: [mp4()] });
    expect(problem?.message).toBe(
      'YouTube titles can be at most 100 characters; this one has 104. Remove 4.',
    );
    expect(codes('youtube', { text: '', title: 'Launch day', media: [mp4()] })).toEqual([]);
  });

  it('does not ask for a title, board or media where the network does not need one', () => {
    expect(codes('x', { text: 'hello' })).toEqual([]);
    expect(codes('bluesky', { text: 'hello' })).toEqual([]);
  });
});

describe('media', () => {
  it('limits the number of attachments', () => {
    const [problem] = check('bluesky', { text: 'pics', media: [jpeg(), jpeg(), jpeg(), jpeg(), jpeg()] });
    expect(problem).toEqual({
      code: 'media.too_many',
      network: 'bluesky',
      message: 'Bluesky allows at most 4 attachments per post; this one has 5. Remove 1.',
      limit: 4,
      actual: 5,
    });
  });

  it('keeps a video on its own where the network requires it, and allows carousels where it does not', () => {
    expect(check('x', { text: 'v', media: [mp4(), jpeg()] }).map((problem) => problem.message)).toEqual([
      'X cannot combine a video with images in one post; remove the images or the video.',
    ]);
    expect(codes('mastodon', { text: 'v', media: [mp4(), mp4()] })).toEqual(['media.too_many_videos']);
    expect(codes('threads', { text: 'v', media: [mp4(), jpeg(), mp4()] })).toEqual([]);
    expect(codes('instagram', { text: 'v', media: [jpeg(), mp4()] })).toEqual([]);
  });

  it('names the unsupported file and the formats that would work', () => {
    const [problem] = check('instagram', {
      text: 'x',
      media: [jpeg(), { mimeType: 'image/png', bytes: 1_000 }],
    });
    expect(problem).toEqual({
      code: 'media.unsupported_type',
      network: 'instagram',
      message: 'Attachment 2 is PNG, which Instagram does not accept; use JPEG, MP4 or MOV.',
      mediaIndex: 1,
    });
    const [pdf] = check('linkedin', { text: 'x', media: [{ mimeType: 'application/pdf', bytes: 10 }] });
    expect(pdf?.message).toBe(
      'Attachment 1 is application/pdf, which LinkedIn does not accept; use JPEG, PNG, GIF or MP4.',
    );
  });

  it('refuses files over the size limit, per kind and per type', () => {
    const [image] = check('bluesky', { text: 'x', media: [jpeg(1_200_000)] });
    expect(image).toEqual({
      code: 'media.too_large',
      network: 'bluesky',
      message:
        'Attachment 1 is 1.2 MB, but Bluesky accepts JPEG images of at most 1 MB; resize or compress it.',
      mediaIndex: 0,
      limit: 1_000_000,
      actual: 1_200_000,
    });
    const [video] = check('x', { text: 'x', media: [mp4(600 * MB)] });
    expect(video?.message).toBe(
      'Attachment 1 is 600 MB, but X accepts videos of at most 512 MB; shorten or compress it.',
    );
    // X allows animated GIFs up to 15 MB, though other images only up to 5 MB.
    expect(codes('x', { text: 'x', media: [{ mimeType: 'image/gif', bytes: 12 * MB }] })).toEqual([]);
    expect(codes('x', { text: 'x', media: [{ mimeType: 'image/png', bytes: 6 * MB }] })).toEqual([
      'media.too_large',
    ]);
  });

  it('reports every problem at once', () => {
    const media = [mp4(), { mimeType: 'image/tiff', bytes: 1 }, jpeg(9 * MB), jpeg(), jpeg()];
    expect(codes('bluesky', { text: 'a'.repeat(301), media })).toEqual([
      'text.too_long',
      'media.too_many',
      'media.video_not_alone',
      'media.unsupported_type',
      'media.too_large',
    ]);
  });
});

describe('the rules table', () => {
  it('has rules for every network, each under its own id, internally consistent', () => {
    expect(Object.keys(NETWORK_RULES).sort()).toEqual([...NETWORK_IDS].sort());
    for (const id of NETWORK_IDS) {
      const rules = NETWORK_RULES[id];
      expect(rules.network).toBe(id);
      expect(rules.maxLength).toBeGreaterThan(0);
      expect(rules.media.maxCount).toBeGreaterThan(0);
      expect(rules.media.types.length).toBeGreaterThan(0);
      const acceptsVideo = rules.media.types.some((type) => type.startsWith('video/'));
      const acceptsImages = rules.media.types.some((type) => type.startsWith('image/'));
      expect(rules.media.maxVideos > 0).toBe(acceptsVideo);
      expect(rules.media.maxVideoBytes > 0).toBe(acceptsVideo);
      expect(rules.media.maxImageBytes > 0).toBe(acceptsImages);
    }
  });

  it('states the documented text limits', () => {
    const limits = Object.fromEntries(NETWORK_IDS.map((id) => [id, NETWORK_RULES[id].maxLength]));
    expect(limits).toEqual({
      x: 280,
      bluesky: 300,
      mastodon: 500,
      linkedin: 3_000,
      threads: 500,
      facebook: 63_206,
      instagram: 2_200,
      pinterest: 500,
      youtube: 5_000,
    });
  });
});

describe('formatBytes', () => {
  it('uses decimal units, as networks state their limits', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1_000_000)).toBe('1 MB');
    expect(formatBytes(16_777_216)).toBe('16.8 MB');
    expect(formatBytes(256_000_000_000)).toBe('256 GB');
  });
});
