// New video: create it, then send its file resumably (tus) with a progress bar and a Cancel
// button; or send the file of a pending video whose upload was interrupted ("Continue upload").
import { byId, setBusy } from './dom.js';
import { formatProgress, percentOf } from './format.js';
import { say, sayFailure, serverMessage, thrownMessage } from './messages.js';
import { client, currentUser } from './session.js';
import type { Video } from './types.js';

export interface UploadHooks {
  onUploaded(video: Video): Promise<void>;
  /** An upload stopped for good (the connection) and its video is kept, pending, to be resumed. */
  onKept(video: Video): void;
}

export interface Upload {
  /** Stops the upload under way, if any. */
  abort(): void;
  /** Points the form at a pending video: the next file chosen is its file (resumed if it is the same one). */
  continueWith(video: Video): void;
  /** The form back to a new video if it points at this one (deleted). */
  forget(vid: string): void;
  /** The form back to a new video (signed out). */
  reset(): void;
}

const form = byId('upload-form', HTMLFormElement);
const heading = byId('upload-heading', HTMLElement);
const target = byId('upload-target', HTMLElement);
const nameField = byId('upload-name-field', HTMLElement);
const nameInput = byId('upload-name', HTMLInputElement);
const fileInput = byId('upload-file', HTMLInputElement);
const cancel = byId('upload-cancel', HTMLButtonElement);
const newVideo = byId('upload-new', HTMLButtonElement);
const progress = byId('upload-progress', HTMLProgressElement);
const status = byId('upload-status', HTMLElement);

/**
 * After this long without progress the status says so. The client retries a failed chunk by
 * itself (for about 40 s, longer while it makes progress), asking the server where to go on from;
 * it does not tell why it waits, only that bytes move again.
 */
const STALL_MS = 2000;

type UploadResult = Awaited<ReturnType<typeof client.upload>>;

/** What went wrong, in words that say what to do; the server's own message for the rest. */
function failureMessage(result: Exclude<UploadResult, { status: 200 }>): string {
  const { code } = result.body.error;
  if (result.status === 413) return 'The file is larger than the server accepts.';
  if (result.status === 415 || code === 'NOT_A_VIDEO') {
    return 'That file is not a video vodkit can play (MP4, MOV, WebM, Matroska, Ogg).';
  }
  if (result.status === 429) return 'The server is busy with other uploads; try again in a moment.';
  return `The upload failed: ${serverMessage(result.body)}`;
}

/** The bar and its words: bytes sent so far, and whether they have stopped moving. */
class Meter {
  sent = 0;
  total: number | undefined;
  #movedAt = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  start(total: number, words: string): void {
    this.sent = 0;
    this.total = total;
    this.#movedAt = Date.now();
    progress.value = 0;
    status.textContent = words;
    delete status.dataset.stalled;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#check(), 500);
  }

  /** Resumable progress only grows; a resumed upload's first report is where the server's bytes end. */
  show(sent: number, total: number | undefined): void {
    this.sent = sent;
    this.total = total;
    this.#movedAt = Date.now();
    progress.value = percentOf(sent, total);
    status.textContent = formatProgress(sent, total);
    delete status.dataset.stalled;
  }

  stop(words?: string): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    delete status.dataset.stalled;
    if (words !== undefined) status.textContent = words;
  }

  get percent(): number {
    return percentOf(this.sent, this.total);
  }

  #check(): void {
    // Every byte sent: the server is finishing (the last answer is on its way), nothing to retry.
    if (this.total !== undefined && this.sent >= this.total) return;
    if (Date.now() - this.#movedAt < STALL_MS || status.dataset.stalled !== undefined) return;
    status.dataset.stalled = '';
    status.textContent = `${formatProgress(this.sent, this.total)} · no progress: retrying until the connection is back…`;
  }
}

export function setupUpload(hooks: UploadHooks): Upload {
  let running: AbortController | undefined;
  /** The pending video the form sends the file of, instead of creating one. */
  let pending: Video | undefined;
  const meter = new Meter();

  const point = (video: Video | undefined) => {
    pending = video;
    heading.textContent = video ? 'Continue an upload' : 'New video';
    target.hidden = video === undefined;
    target.textContent = video
      ? `The file of “${video.name}”: choose the same file as before, and only what the server is missing is sent.`
      : '';
    nameField.hidden = video !== undefined;
    // Disabled, its `required` is not checked and FormData leaves it out.
    nameInput.disabled = video !== undefined;
    newVideo.hidden = video === undefined;
  };

  cancel.addEventListener('click', () => running?.abort());
  newVideo.addEventListener('click', () => {
    point(undefined);
    nameInput.focus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const file = data.get('file');
    const userName = currentUser();
    if (!(file instanceof File) || file.name === '' || userName === undefined) return;
    if (pending === undefined && name === '') {
      say('Give the video a name.', 'error');
      nameInput.focus();
      return;
    }

    const controller = new AbortController();
    running = controller;
    setBusy(form, true, cancel);
    cancel.disabled = false;
    const into = pending;
    meter.start(file.size, into ? 'Asking the server how much of the file it has…' : formatProgress(0, file.size));
    say(`Uploading “${into?.name ?? name}”…`);
    void (
      into ? sendFile(into, file, controller.signal, false) : createAndSend(userName, name, file, controller.signal)
    )
      .catch((error: unknown) => {
        // Cancel rejects whichever call was running (creating the video or sending its file).
        if (!controller.signal.aborted) throw error;
        meter.stop('Cancelled.');
        progress.value = 0;
        say('Upload cancelled.');
      })
      .catch((error: unknown) => {
        meter.stop();
        say(`The upload failed: ${thrownMessage(error)}`, 'error');
      })
      .finally(() => {
        meter.stop();
        if (running === controller) running = undefined;
        setBusy(form, false, cancel);
        cancel.disabled = true;
      });
  });

  /** The video is created first (pending), then its file goes to the upload route. */
  async function createAndSend(userName: string, name: string, file: File, signal: AbortSignal) {
    const created = await client.api.createVideo({
      params: { user_name: userName },
      body: { name },
      fetchOptions: { signal },
    });
    if (created.status !== 201) {
      meter.stop('');
      sayFailure(created.body, 'Could not create the video');
      return;
    }
    await sendFile(created.body, file, signal, true);
  }

  /**
   * Sends the file resumably (tus): in chunks, each retried when the connection fails, and
   * resumed from the server's last byte by a later upload of the same file to the same video,
   * in this page or after a reload (the client keeps the upload's URL in localStorage).
   * `created`: the video was made for this upload, and is deleted again if the file is refused.
   */
  async function sendFile(video: Video, file: File, signal: AbortSignal, created: boolean) {
    let result: UploadResult;
    try {
      result = await client.upload(video.id, file, {
        resumable: true,
        signal,
        onProgress: ({ sent, total }) => meter.show(sent, total),
      });
    } catch (error) {
      if (error instanceof TypeError && !signal.aborted) {
        // The connection failed for good (the client's retries ran out, or the browser went
        // offline): the server keeps what it received, so the video stays to be resumed.
        kept(video, meter.percent);
        hooks.onKept(video);
        return;
      }
      // Cancelled, or something else broke: a video made for this upload is not left behind.
      if (created) discard(video.id);
      throw error;
    }
    if (result.status !== 200) {
      if (created) discard(video.id);
      meter.stop();
      if (result.body.error.code !== 'UNAUTHENTICATED') say(failureMessage(result), 'error');
      return;
    }
    // The last progress report may come before the final bytes are counted.
    meter.show(file.size, file.size);
    form.reset();
    point(undefined);
    say(`“${result.body.name}” is uploaded.`);
    await hooks.onUploaded(result.body);
  }

  /** The form stays on the video with the file chosen: Upload again resumes it. */
  function kept(video: Video, percent: number) {
    meter.stop(`Stopped at ${percent} %.`);
    point(video);
    say(
      `The connection was lost at ${percent} % of “${video.name}”. The server keeps what it received: ` +
        'press Upload to resume, or later choose the same file again with “Continue upload”.',
      'error',
    );
  }

  return {
    abort: () => running?.abort(),
    continueWith: (video) => {
      if (running) {
        say('An upload is under way: let it finish, or cancel it first.', 'error');
        return;
      }
      point(video);
      fileInput.value = '';
      meter.stop('');
      progress.value = 0;
      fileInput.focus();
    },
    forget: (vid) => {
      if (pending?.id === vid && !running) point(undefined);
    },
    reset: () => {
      point(undefined);
      form.reset();
    },
  };
}

/**
 * A video made for an upload that was cancelled or refused stays pending with no file; it would
 * sit in the list as a leftover, so it is deleted (best effort: the user sees nothing of it
 * either way). Its unfinished resumable upload goes with it.
 */
function discard(vid: string): void {
  client.api.deleteVideo({ params: { vid } }).catch(() => {});
}
