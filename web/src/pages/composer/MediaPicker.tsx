import { type DragEvent, useId, useRef, useState } from 'react';
import { ApiError, api } from '../../api/client.ts';
import type { Media } from '../../api/types.ts';
import type { AttachedMedia } from './validation.ts';

/** Attach images or videos: pick files or drop them here; each gets alt text for screen readers. */
export function MediaPicker({
  orgId,
  media,
  onChange,
  label = 'Images or videos',
}: {
  orgId: string;
  media: AttachedMedia[];
  onChange(media: AttachedMedia[]): void;
  /** Names the picker when the composer has several (one per part of a thread). */
  label?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [uploading, setUploading] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const latest = useRef(media);
  latest.current = media;

  const upload = async (files: FileList | File[]) => {
    setError(null);
    for (const file of Array.from(files)) {
      setUploading((n) => n + 1);
      try {
        const form = new FormData();
        form.append('file', file, file.name);
        const uploaded = await api<Media>(`/api/orgs/${orgId}/media`, { method: 'POST', body: form });
        const attached: AttachedMedia = {
          mediaId: uploaded.id,
          contentType: uploaded.contentType,
          byteSize: uploaded.byteSize,
          altText: uploaded.altText ?? '',
          previewUrl: uploaded.thumbnailUrl ?? (uploaded.kind === 'image' ? uploaded.url : null),
          filename: uploaded.filename || file.name,
        };
        latest.current = [...latest.current, attached];
        onChange(latest.current);
      } catch (caught) {
        setError(`${file.name}: ${caught instanceof ApiError ? caught.message : String(caught)}`);
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) void upload(event.dataTransfer.files);
  };

  return (
    <div className="media-picker">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the "Choose files" button does the same for everyone */}
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor={inputId} id={`${inputId}-label`}>
          {label}
        </label>
        <p className="muted">Drop files here, or</p>
        <button type="button" aria-describedby={`${inputId}-label`} onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          id={inputId}
          className="sr-only"
          type="file"
          accept="image/*,video/*"
          multiple
          onChange={(event) => {
            if (event.target.files) void upload(event.target.files);
            event.target.value = '';
          }}
        />
        {uploading > 0 ? (
          <p role="status" className="muted">
            Uploading {uploading} file{uploading === 1 ? '' : 's'}…
          </p>
        ) : null}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {media.length > 0 ? (
        <ul className="media-list">
          {media.map((item, index) => (
            <li key={item.mediaId} className="media-item">
              {item.previewUrl ? (
                <img src={item.previewUrl} alt="" width={72} height={72} />
              ) : (
                <span className="media-placeholder">{item.contentType}</span>
              )}
              <div className="field grow">
                <label htmlFor={`${inputId}-alt-${item.mediaId}`}>Alt text for {item.filename}</label>
                <input
                  id={`${inputId}-alt-${item.mediaId}`}
                  value={item.altText}
                  maxLength={1500}
                  placeholder="Describe the image for people who cannot see it"
                  onChange={(event) =>
                    onChange(media.map((m, i) => (i === index ? { ...m, altText: event.target.value } : m)))
                  }
                />
              </div>
              <button
                type="button"
                className="ghost small"
                aria-label={`Remove ${item.filename}`}
                onClick={() => onChange(media.filter((_, i) => i !== index))}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
