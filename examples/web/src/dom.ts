// Small DOM helpers. User data only ever goes in through textContent (never innerHTML), so a
// video name or a comment such as "<img onerror=…>" stays text.

/** The element with this id, checked against its expected class: a missing hook is a bug in index.html, so fail loudly. */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or is not a ${type.name}`);
  return element;
}

interface Props {
  className?: string;
  /** Set as textContent. */
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element with its text and attributes, and appends the children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  { className, text, attrs = {} }: Props = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A form's text field, as a string (FormData gives File | string | null). */
export function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * Disables a form's buttons while its request runs, so a double click does not send it twice;
 * `except` stays usable (the upload's Cancel button).
 */
export function setBusy(form: HTMLFormElement, busy: boolean, except?: HTMLButtonElement): void {
  form.setAttribute('aria-busy', String(busy));
  for (const button of form.querySelectorAll('button')) {
    if (button !== except) button.disabled = busy;
  }
}
