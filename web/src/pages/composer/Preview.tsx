import type { Channel } from '../../api/types.ts';
import { networkName } from '../../ui/networks.ts';
import type { AttachedMedia } from './validation.ts';

const URL_PATTERN = /(https?:\/\/[^\s]+)/g;

/** How the post will look on one channel: name, handle, text with its links, the images. */
export function Preview({
  channel,
  text,
  media,
}: {
  channel: Channel;
  text: string;
  media: AttachedMedia[];
}) {
  const parts = text.split(URL_PATTERN);
  return (
    <figure className="preview" aria-label={`Preview on ${networkName(channel.network)}`}>
      <figcaption className="preview-head">
        <span className="preview-avatar" aria-hidden="true">
          {(channel.displayName || channel.handle).replace(/^@/, '').slice(0, 1).toUpperCase()}
        </span>
        <span>
          <strong>{channel.displayName || channel.handle}</strong>{' '}
          <span className="muted">
            @{channel.handle.replace(/^@/, '')} · {networkName(channel.network)}
          </span>
        </span>
      </figcaption>
      <p className="post-text">
        {parts.map((part, index) =>
          index % 2 === 1 ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never reorder
            <span key={index} className="preview-link">
              {part}
            </span>
          ) : (
            part
          ),
        )}
        {text.trim() === '' ? <em className="muted">Nothing written yet</em> : null}
      </p>
      {media.length > 0 ? (
        <div className={`preview-media count-${Math.min(media.length, 4)}`}>
          {media
            .slice(0, 4)
            .map((item) =>
              item.previewUrl ? <img key={item.mediaId} src={item.previewUrl} alt={item.altText} /> : null,
            )}
        </div>
      ) : null}
    </figure>
  );
}
