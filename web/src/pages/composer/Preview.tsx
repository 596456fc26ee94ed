import type { Channel } from '../../api/types.ts';
import { networkName } from '../../ui/networks.ts';
import type { AttachedMedia } from './validation.ts';
import './composer.css';

const URL_PATTERN = /(https?:\/\/[^\s]+)/g;

export interface PreviewPart {
  text: string;
  media: AttachedMedia[];
}

/**
 * How the post will look on one channel: name, handle, text with its links, the images; a thread
 * shows every part in order, each a reply to the one before.
 */
export function Preview({
  channel,
  text,
  media,
  thread = [],
}: {
  channel: Channel;
  text: string;
  media: AttachedMedia[];
  thread?: readonly PreviewPart[];
}) {
  const parts = [{ text, media }, ...thread];
  const single = parts.length === 1;
  return (
    <figure className="preview" aria-label={`Preview on ${networkName(channel.network)}`}>
      {single ? (
        <PreviewPost channel={channel} part={{ text, media }} />
      ) : (
        <ol className="preview-thread">
          {parts.map((part, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the preview's parts are its positions in the thread
            <li key={index} data-preview-part={index + 1}>
              <PreviewPost channel={channel} part={part} position={`${index + 1}/${parts.length}`} />
            </li>
          ))}
        </ol>
      )}
    </figure>
  );
}

function PreviewPost({
  channel,
  part,
  position,
}: {
  channel: Channel;
  part: PreviewPart;
  position?: string;
}) {
  const pieces = part.text.split(URL_PATTERN);
  return (
    <>
      <div className="preview-head">
        <span className="preview-avatar" aria-hidden="true">
          {(channel.displayName || channel.handle).replace(/^@/, '').slice(0, 1).toUpperCase()}
        </span>
        <span>
          <strong>{channel.displayName || channel.handle}</strong>{' '}
          <span className="muted">
            @{channel.handle.replace(/^@/, '')} · {networkName(channel.network)}
          </span>
        </span>
        {position ? <span className="badge preview-position">{position}</span> : null}
      </div>
      <p className="post-text">
        {pieces.map((piece, index) =>
          index % 2 === 1 ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one text never reorder
            <span key={index} className="preview-link">
              {piece}
            </span>
          ) : (
            piece
          ),
        )}
        {part.text.trim() === '' ? <em className="muted">Nothing written yet</em> : null}
      </p>
      {part.media.length > 0 ? (
        <div className={`preview-media count-${Math.min(part.media.length, 4)}`}>
          {part.media
            .slice(0, 4)
            .map((item) =>
              item.previewUrl ? <img key={item.mediaId} src={item.previewUrl} alt={item.altText} /> : null,
            )}
        </div>
      ) : null}
    </>
  );
}
