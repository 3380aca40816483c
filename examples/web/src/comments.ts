// The comments under the player: newest first, a page at a time, and a form to add one.
import { byId, field, h, setBusy } from './dom.js';
import { timeElement } from './format.js';
import { reporting, say, sayFailure } from './messages.js';
import { client } from './session.js';
import type { Comment } from './types.js';

const list = byId('comments', HTMLUListElement);
const empty = byId('comments-empty', HTMLElement);
const loadMore = byId('load-more-comments', HTMLButtonElement);
const form = byId('comment-form', HTMLFormElement);

/** One comment; its author and text are user data, so they go in as text only. */
function item(comment: Comment): HTMLLIElement {
  return h(
    'li',
    { attrs: { 'data-id': comment.id } },
    h(
      'p',
      { className: 'meta' },
      h('span', { className: 'author', text: comment.author }),
      ' · ',
      timeElement(comment.created_at),
    ),
    h('p', { className: 'content', text: comment.content }),
  );
}

export interface Comments {
  show(vid: string): void;
  clear(): void;
}

export function setupComments(): Comments {
  let vid: string | undefined;
  let cursor: string | null = null;

  const fetchPage = async () => {
    const forVideo = vid;
    if (forVideo === undefined) return;
    const query = cursor ? { cursor } : {};
    const result = await client.api.listComments({ params: { vid: forVideo }, query });
    // Another video was opened while this page was on its way.
    if (forVideo !== vid) return;
    if (result.status !== 200) {
      sayFailure(result.body, 'Could not load the comments');
      return;
    }
    list.append(...result.body.comments.map(item));
    cursor = result.body.next_cursor;
    loadMore.hidden = cursor === null;
    empty.hidden = list.children.length > 0;
  };

  loadMore.addEventListener('click', () => {
    const shown = list.children.length;
    loadMore.disabled = true;
    void reporting('Could not load more comments', fetchPage).finally(() => {
      loadMore.disabled = false;
      // Comments are not focusable; keep focus on the button, or on the form when it is gone.
      if (loadMore.hidden && list.children.length > shown) byId('comment-content', HTMLTextAreaElement).focus();
    });
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const forVideo = vid;
    const content = field(form, 'content');
    if (forVideo === undefined) return;
    if (content.trim() === '') {
      say('Write something first.', 'error');
      return;
    }
    setBusy(form, true);
    void reporting('Could not post the comment', async () => {
      const result = await client.api.createComment({ params: { vid: forVideo }, body: { content } });
      if (result.status !== 201) {
        sayFailure(result.body, 'Could not post the comment');
        return;
      }
      form.reset();
      // Newest first: the new comment goes on top, where the list starts.
      if (forVideo === vid) {
        list.prepend(item(result.body));
        empty.hidden = true;
      }
      say('Comment posted.');
    }).finally(() => setBusy(form, false));
  });

  const clear = () => {
    vid = undefined;
    cursor = null;
    list.replaceChildren();
    loadMore.hidden = true;
    empty.hidden = true;
  };

  return {
    show: (next) => {
      clear();
      vid = next;
      void reporting('Could not load the comments', fetchPage);
    },
    clear,
  };
}
