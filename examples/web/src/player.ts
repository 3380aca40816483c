// The player: the selected video from the stream route, its details, and its comments.
import { setupComments } from './comments.js';
import { byId } from './dom.js';
import { formatDate } from './format.js';
import { client } from './session.js';
import type { Video } from './types.js';

export interface Player {
  open(video: Video): void;
  close(): void;
  /** Closes the player if it shows this video (it was deleted). */
  closeIf(vid: string): void;
}

const section = byId('player', HTMLElement);
const title = byId('player-title', HTMLElement);
const meta = byId('player-meta', HTMLElement);
const video = byId('video', HTMLVideoElement);
const note = byId('player-note', HTMLElement);
const closeButton = byId('player-close', HTMLButtonElement);

export function setupPlayer(): Player {
  const comments = setupComments();
  let current: string | undefined;
  /** The button that opened the player, to give focus back to on close. */
  let opener: HTMLElement | null = null;

  const open = (item: Video) => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (current !== item.id) {
      current = item.id;
      title.textContent = item.name;
      meta.textContent = `Uploaded ${formatDate(item.created_at)} by ${item.author}`;
      video.setAttribute('aria-label', item.name);
      // A pending video has no file yet: the stream would answer 404.
      const playable = item.status === 'ready';
      note.hidden = playable;
      if (playable) video.src = client.streamUrl(item.id);
      else stop();
      comments.show(item.id);
    }
    section.hidden = false;
    // Focus goes to the player's heading, so keyboard and screen reader users land on it.
    title.focus();
  };

  /** Stops playback and the download: removing src alone leaves the last file loaded. */
  const stop = () => {
    video.pause();
    video.removeAttribute('src');
    video.load();
  };

  const close = () => {
    if (current === undefined) return;
    current = undefined;
    stop();
    section.hidden = true;
    comments.clear();
  };

  closeButton.addEventListener('click', () => {
    close();
    if (opener?.isConnected) opener.focus();
    else byId('videos-heading', HTMLElement).focus();
  });

  const closeIf = (vid: string) => {
    if (vid === current) close();
  };

  return { open, close, closeIf };
}
