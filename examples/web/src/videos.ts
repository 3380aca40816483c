// "My videos": the signed-in user's videos, newest first, ten at a time, each with Open and Delete.
import { byId, h } from './dom.js';
import { timeElement } from './format.js';
import { reporting, say, sayFailure } from './messages.js';
import { client } from './session.js';
import type { Video } from './types.js';

const PAGE_SIZE = 10;

export interface VideoHooks {
  onOpen(video: Video): void;
  onDeleted(vid: string): void;
  /** A pending video's "Continue upload": its file is to be chosen (again). */
  onContinue(video: Video): void;
}

export interface VideoList {
  /** Shows the first page of this user's videos. */
  load(userName: string): Promise<void>;
  /** Empties the list (signed out). */
  reset(): void;
  /** Shows a video at the top, or in place of its item: one just made, without asking the server again. */
  put(video: Video): void;
}

const list = byId('videos', HTMLUListElement);
const empty = byId('videos-empty', HTMLElement);
const loadMore = byId('load-more-videos', HTMLButtonElement);
const heading = byId('videos-heading', HTMLElement);

export function setupVideos(hooks: VideoHooks): VideoList {
  let userName: string | undefined;
  let cursor: string | null = null;
  // Bumped by load() and reset(): an answer for an older list (another user, a newer reload)
  // arrives late and must not be appended to this one.
  let generation = 0;

  const fetchPage = async () => {
    if (userName === undefined) return;
    const mine = generation;
    const query = cursor ? { limit: PAGE_SIZE, cursor } : { limit: PAGE_SIZE };
    const result = await client.api.listVideos({ params: { user_name: userName }, query });
    if (mine !== generation) return;
    if (result.status !== 200) {
      sayFailure(result.body, 'Could not load your videos');
      return;
    }
    list.append(...result.body.videos.map(item));
    cursor = result.body.next_cursor;
    loadMore.hidden = cursor === null;
    empty.hidden = list.children.length > 0;
  };

  const item = (video: Video): HTMLLIElement => {
    const open = h('button', { className: 'open', text: video.name, attrs: { type: 'button' } });
    open.addEventListener('click', () => hooks.onOpen(video));
    const remove = h('button', {
      className: 'delete',
      text: 'Delete',
      // "Delete" alone is ambiguous in a list of them, for a screen reader user.
      attrs: { type: 'button', 'aria-label': `Delete ${video.name}` },
    });
    remove.addEventListener('click', () => void reporting('Could not delete the video', () => destroy(video, li)));
    const li = h(
      'li',
      { attrs: { 'data-vid': video.id } },
      open,
      h(
        'span',
        { className: 'meta' },
        timeElement(video.created_at),
        ' · ',
        h('span', { className: 'status', text: video.status }),
      ),
      remove,
    );
    // A pending video has no file yet: its upload was interrupted (a reload, a lost connection)
    // or is still under way elsewhere. Choosing the same file again resumes it.
    if (video.status === 'pending') {
      const resume = h('button', {
        className: 'resume',
        text: 'Continue upload',
        attrs: { type: 'button', 'aria-label': `Continue the upload of ${video.name}` },
      });
      resume.addEventListener('click', () => hooks.onContinue(video));
      li.append(resume);
    }
    return li;
  };

  const destroy = async (video: Video, li: HTMLLIElement) => {
    if (!window.confirm(`Delete “${video.name}”? This cannot be undone.`)) return;
    const result = await client.api.deleteVideo({ params: { vid: video.id } });
    // 404: already gone (deleted in another tab); the list should say so too.
    if (result.status !== 204 && result.status !== 404) {
      sayFailure(result.body, 'Could not delete the video');
      return;
    }
    // Keep the keyboard user in the list: focus moves to a neighbour, else to the heading.
    const next = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector<HTMLButtonElement>('.open');
    li.remove();
    empty.hidden = list.children.length > 0;
    hooks.onDeleted(video.id);
    (next ?? heading).focus();
    say(`Deleted “${video.name}”.`);
  };

  loadMore.addEventListener('click', () => {
    const shown = list.children.length;
    loadMore.disabled = true;
    void reporting('Could not load more videos', fetchPage).finally(() => {
      loadMore.disabled = false;
      // The button may now be hidden (last page): focus goes on to the first new video.
      list.children[shown]?.querySelector<HTMLButtonElement>('.open')?.focus();
    });
  });

  const reset = () => {
    generation += 1;
    userName = undefined;
    cursor = null;
    list.replaceChildren();
    loadMore.hidden = true;
    empty.hidden = true;
  };

  return {
    load: (name) => {
      reset();
      userName = name;
      return reporting('Could not load your videos', fetchPage);
    },
    reset,
    put: (video) => {
      const fresh = item(video);
      const shown = [...list.children].find((li) => li instanceof HTMLElement && li.dataset.vid === video.id);
      if (shown) shown.replaceWith(fresh);
      else list.prepend(fresh);
      empty.hidden = true;
    },
  };
}
