// New video: create it, then send the file with a progress bar and a Cancel button.
import { byId, setBusy } from './dom.js';
import { formatProgress, percentOf } from './format.js';
import { say, sayFailure, serverMessage, thrownMessage } from './messages.js';
import { client, currentUser } from './session.js';
import type { Video } from './types.js';

export interface UploadHooks {
  onUploaded(video: Video): Promise<void>;
}

const form = byId('upload-form', HTMLFormElement);
const cancel = byId('upload-cancel', HTMLButtonElement);
const progress = byId('upload-progress', HTMLProgressElement);
const status = byId('upload-status', HTMLElement);

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

const showProgress = (sent: number, total: number | undefined) => {
  progress.value = percentOf(sent, total);
  status.textContent = formatProgress(sent, total);
};

export function setupUpload(hooks: UploadHooks): { abort(): void } {
  let running: AbortController | undefined;

  cancel.addEventListener('click', () => running?.abort());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const file = data.get('file');
    const userName = currentUser();
    if (!(file instanceof File) || file.name === '' || userName === undefined) return;
    if (name === '') {
      say('Give the video a name.', 'error');
      byId('upload-name', HTMLInputElement).focus();
      return;
    }

    const controller = new AbortController();
    running = controller;
    setBusy(form, true, cancel);
    cancel.disabled = false;
    showProgress(0, file.size);
    say(`Uploading “${name}”…`);
    void send(userName, name, file, controller.signal, hooks)
      .catch((error: unknown) => {
        // Cancel rejects whichever call was running (creating the video or sending its file).
        if (!controller.signal.aborted) throw error;
        progress.value = 0;
        status.textContent = 'Cancelled.';
        say('Upload cancelled.');
      })
      .catch((error: unknown) => say(`The upload failed: ${thrownMessage(error)}`, 'error'))
      .finally(() => {
        if (running === controller) running = undefined;
        setBusy(form, false, cancel);
        cancel.disabled = true;
      });
  });

  return { abort: () => running?.abort() };
}

async function send(userName: string, name: string, file: File, signal: AbortSignal, hooks: UploadHooks) {
  // The video is created first (pending), then its file goes to the upload route.
  const created = await client.api.createVideo({
    params: { user_name: userName },
    body: { name },
    fetchOptions: { signal },
  });
  if (created.status !== 201) {
    sayFailure(created.body, 'Could not create the video');
    return;
  }
  const video = created.body;
  let result: UploadResult;
  try {
    result = await client.upload(video.id, file, {
      signal,
      onProgress: ({ sent, total }) => showProgress(sent, total),
    });
  } catch (error) {
    discard(video.id);
    throw error;
  }
  if (result.status !== 200) {
    discard(video.id);
    if (result.body.error.code !== 'UNAUTHENTICATED') say(failureMessage(result), 'error');
    return;
  }
  // XMLHttpRequest's last progress event may come before the final bytes are counted.
  showProgress(file.size, file.size);
  form.reset();
  say(`“${result.body.name}” is uploaded.`);
  await hooks.onUploaded(result.body);
}

/**
 * A video whose upload failed stays pending with no file; it would sit in the list as a
 * leftover, so it is deleted (best effort: the user sees nothing of it either way).
 */
function discard(vid: string): void {
  client.api.deleteVideo({ params: { vid } }).catch(() => {});
}
