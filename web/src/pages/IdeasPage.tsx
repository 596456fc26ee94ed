import { type FormEvent, type PointerEvent as ReactPointerEvent, useRef } from 'react';
import { api } from '../api/client.ts';
import type { Idea, IdeaColumn } from '../api/types.ts';
import { navigate } from '../app/router.ts';
import { useSession } from '../app/session.tsx';
import { Field, FormError, formText, useSubmission } from '../ui/forms.tsx';
import { useResource } from '../ui/use-resource.ts';

interface Board {
  columns: IdeaColumn[];
  ideas: Idea[];
}

/**
 * The ideas board: columns of ideas; drag an idea to another column or place (pointer), or move it
 * with the ←/→ and ↑/↓ buttons; open one in the composer to turn it into a post.
 */
export default function IdeasPage() {
  const { org } = useSession();
  const base = `/api/orgs/${org.id}`;
  const board = useResource<Board>(
    async (signal) => {
      const [columns, ideas] = await Promise.all([
        api<{ columns: IdeaColumn[] }>(`${base}/idea-columns`, { signal }),
        api<{ ideas: Idea[] }>(`${base}/ideas`, { signal }),
      ]);
      return { columns: columns.columns, ideas: ideas.ideas };
    },
    [org.id],
  );
  const submission = useSubmission();
  const boardRef = useRef<HTMLDivElement>(null);
  const drag = useRef<{
    idea: Idea;
    x: number;
    y: number;
    moved: boolean;
    source: HTMLElement;
    marker: HTMLElement | null;
  } | null>(null);

  const move = async (idea: Idea, columnId: string, position: number) => {
    // Show the move at once; the server's order replaces it.
    board.set((current) => {
      if (!current) return current;
      const others = current.ideas.filter((i) => i.id !== idea.id);
      const inColumn = others.filter((i) => i.columnId === columnId).sort((a, b) => a.position - b.position);
      inColumn.splice(position, 0, { ...idea, columnId });
      const renumbered = inColumn.map((i, index) => ({ ...i, position: index }));
      return { ...current, ideas: [...others.filter((i) => i.columnId !== columnId), ...renumbered] };
    });
    await submission.run(() => api(`${base}/ideas/${idea.id}/move`, { body: { columnId, position } }));
    await board.reload();
  };

  const dropPlace = (x: number, y: number) => {
    const element = document.elementFromPoint(x, y) as HTMLElement | null;
    const column = element?.closest<HTMLElement>('[data-column-id]');
    if (!column) return null;
    const cards = Array.from(column.querySelectorAll<HTMLElement>('[data-idea-id]')).filter(
      (card) => card.dataset.ideaId !== drag.current?.idea.id,
    );
    const index = cards.findIndex((card) => {
      const rect = card.getBoundingClientRect();
      return y < rect.top + rect.height / 2;
    });
    return {
      column,
      columnId: column.dataset.columnId!,
      position: index < 0 ? cards.length : index,
      before: cards[index] ?? null,
    };
  };

  const pointer = {
    onPointerDown(event: ReactPointerEvent<HTMLElement>, idea: Idea) {
      if (event.button !== 0 || (event.target as HTMLElement).closest('button, a, input')) return;
      drag.current = {
        idea,
        x: event.clientX,
        y: event.clientY,
        moved: false,
        source: event.currentTarget,
        marker: null,
      };
      event.currentTarget.setPointerCapture(event.pointerId);
    },
    onPointerMove(event: ReactPointerEvent<HTMLElement>) {
      const current = drag.current;
      if (!current) return;
      if (!current.moved && Math.hypot(event.clientX - current.x, event.clientY - current.y) < 5) return;
      current.moved = true;
      current.source.classList.add('dragging');
      for (const el of boardRef.current?.querySelectorAll('.drop-target, .drop-before') ?? []) {
        el.classList.remove('drop-target', 'drop-before');
      }
      const place = dropPlace(event.clientX, event.clientY);
      place?.column.classList.add('drop-target');
      place?.before?.classList.add('drop-before');
    },
    onPointerUp(event: ReactPointerEvent<HTMLElement>) {
      const current = drag.current;
      drag.current = null;
      if (!current?.moved) return;
      current.source.classList.remove('dragging');
      for (const el of boardRef.current?.querySelectorAll('.drop-target, .drop-before') ?? []) {
        el.classList.remove('drop-target', 'drop-before');
      }
      drag.current = current;
      const place = dropPlace(event.clientX, event.clientY);
      drag.current = null;
      if (place) void move(current.idea, place.columnId, place.position);
    },
  };

  const columns = [...(board.data?.columns ?? [])].sort((a, b) => a.position - b.position);
  const ideasOf = (columnId: string) =>
    (board.data?.ideas ?? []).filter((i) => i.columnId === columnId).sort((a, b) => a.position - b.position);

  return (
    <div className="ideas-page">
      <div className="page-head">
        <h1>Ideas</h1>
      </div>
      <NewIdea base={base} firstColumn={columns[0]?.id} onCreated={() => void board.reload()} />
      <FormError
        message={submission.formError ?? board.error ?? (Object.values(submission.fieldErrors)[0] || null)}
      />
      <div className="board" ref={boardRef}>
        {columns.map((column, columnIndex) => {
          const ideas = ideasOf(column.id);
          return (
            <section
              key={column.id}
              className="column"
              data-column-id={column.id}
              aria-labelledby={`col-${column.id}`}
            >
              <h2 id={`col-${column.id}`}>
                {column.name} <span className="muted">{ideas.length}</span>
              </h2>
              <ul className="idea-list">
                {ideas.map((idea, index) => (
                  <li
                    key={idea.id}
                    className="idea"
                    data-idea-id={idea.id}
                    onPointerDown={(event) => pointer.onPointerDown(event, idea)}
                    onPointerMove={pointer.onPointerMove}
                    onPointerUp={pointer.onPointerUp}
                  >
                    {idea.title ? <h3>{idea.title}</h3> : null}
                    {idea.text ? <p className="post-text">{idea.text}</p> : null}
                    {idea.tags.length > 0 ? <p className="muted">#{idea.tags.join(' #')}</p> : null}
                    <div className="post-actions">
                      <button
                        type="button"
                        className="small primary"
                        onClick={() => navigate(`/compose?idea=${idea.id}`)}
                      >
                        Open in composer
                      </button>
                      <button
                        type="button"
                        className="small"
                        aria-label={`Move "${idea.title || idea.text}" up`}
                        disabled={index === 0}
                        onClick={() => void move(idea, column.id, index - 1)}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        className="small"
                        aria-label={`Move "${idea.title || idea.text}" down`}
                        disabled={index === ideas.length - 1}
                        onClick={() => void move(idea, column.id, index + 1)}
                      >
                        ↓
                      </button>
                      <button
                        type="button"
                        className="small"
                        aria-label={`Move "${idea.title || idea.text}" to the previous column`}
                        disabled={columnIndex === 0}
                        onClick={() => void move(idea, columns[columnIndex - 1]!.id, 0)}
                      >
                        ←
                      </button>
                      <button
                        type="button"
                        className="small"
                        aria-label={`Move "${idea.title || idea.text}" to the next column`}
                        disabled={columnIndex === columns.length - 1}
                        onClick={() => void move(idea, columns[columnIndex + 1]!.id, 0)}
                      >
                        →
                      </button>
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </div>
  );
}

function NewIdea({
  base,
  firstColumn,
  onCreated,
}: {
  base: string;
  firstColumn: string | undefined;
  onCreated(): void;
}) {
  const submission = useSubmission();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const tags = formText(form, 'tags')
      .split(/[,\s]+/)
      .map((t) => t.replace(/^#/, ''))
      .filter(Boolean);
    const created = await submission.run(() =>
      api<Idea>(`${base}/ideas`, {
        body: {
          title: formText(form, 'title'),
          text: formText(form, 'text'),
          tags,
          ...(firstColumn ? { columnId: firstColumn } : {}),
        },
      }),
    );
    if (created) {
      form.reset();
      onCreated();
    }
  };
  return (
    <form className="card inline-idea" onSubmit={submit} noValidate aria-label="New idea">
      <Field label="Idea title" name="title" error={submission.fieldErrors.title} />
      <div className={`field${submission.fieldErrors.text ? ' field-invalid' : ''}`}>
        <label htmlFor="idea-text">Notes or draft text</label>
        <textarea id="idea-text" name="text" rows={2} />
        {submission.fieldErrors.text ? (
          <p className="field-error" role="alert" data-field-error="text">
            {submission.fieldErrors.text}
          </p>
        ) : null}
      </div>
      <Field label="Tags" name="tags" placeholder="launch, summer" error={submission.fieldErrors.tags} />
      <FormError message={submission.formError ?? (submission.fieldErrors[''] || null)} />
      <button type="submit" className="primary" disabled={submission.busy}>
        Add idea
      </button>
    </form>
  );
}
