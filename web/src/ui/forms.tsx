import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  useCallback,
  useId,
  useState,
} from 'react';
import { ApiError } from '../api/client.ts';

/**
 * Submitting a form to the API: while busy, the button is disabled; a validation error lands next
 * to the field it names (`details.issues[].path`), anything else above the buttons.
 */
export interface Submission {
  busy: boolean;
  fieldErrors: Record<string, string>;
  formError: string | null;
  run<T>(action: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
}

export function useSubmission(): Submission {
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const clear = useCallback(() => {
    setFieldErrors({});
    setFormError(null);
  }, []);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setFieldErrors({});
    setFormError(null);
    try {
      return await action();
    } catch (error) {
      if (error instanceof ApiError) {
        const fields = error.fieldErrors();
        setFieldErrors(fields);
        // A message not tied to one field shows for the whole form.
        if (Object.keys(fields).length === 0) setFormError(error.message);
      } else {
        setFormError(error instanceof Error ? error.message : String(error));
      }
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, fieldErrors, formError, run, clear };
}

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: ReactNode;
}

/** A labelled input whose error is announced and tied to it (`aria-describedby`). */
export function Field({ label, name, error, hint, ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error" role="alert" data-field-error={name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  error?: string | undefined;
  children: ReactNode;
}

export function SelectField({ label, name, error, children, ...select }: SelectProps) {
  const id = useId();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...select}
      >
        {children}
      </select>
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert" data-field-error={name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

/** The value of a named input of a submitted form, as text. */
export function formText(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}
