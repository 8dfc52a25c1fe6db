import { useEffect, useRef, type InputHTMLAttributes } from 'react';

export interface Notice {
  tone: 'success' | 'error';
  text: string;
}

/**
 * Both live regions are always in the page, empty when there is nothing to say, because screen
 * readers announce changes to a region they already know and may miss one that appears with its text.
 */
export function NoticeArea({ notice }: { notice: Notice | undefined }) {
  return (
    <div className="notices">
      <p role="status" className="notice notice-success">
        {notice?.tone === 'success' ? notice.text : ''}
      </p>
      <p role="alert" className="notice notice-error">
        {notice?.tone === 'error' ? notice.text : ''}
      </p>
    </div>
  );
}

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  id: string;
  label: string;
  hint?: string;
}

export function Field({ id, label, hint, ...input }: FieldProps) {
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={id} aria-describedby={hint === undefined ? undefined : hintId} {...input} />
      {hint === undefined ? null : (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** Moves focus to a new screen's heading, so keyboard and screen-reader users start reading there. */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

/** The field's value from a submitted form; forms here hold only text inputs. */
export function readField(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}

/** The way to a list's older items, present while there are some: it appends the next page. */
export function OlderButton({ page, label, onOlder }: { page: { next: string | undefined }; label: string; onOlder: () => Promise<void> }) {
  if (page.next === undefined) return null;
  return (
    <button type="button" className="secondary older" onClick={() => void onOlder()}>
      {label}
    </button>
  );
}
