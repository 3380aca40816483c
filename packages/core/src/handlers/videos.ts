import type { apiContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import { decodeCursor, toPage } from '../pagination/cursor.js';
import type { PageRequest, Store } from '../store/types.js';
import { presentVideo } from './present.js';
import type { Handler, HandlerDeps } from './types.js';
import { requireSelf } from './users.js';

type Api = typeof apiContract;

/** One row more than the page, so the store tells whether another page follows. */
export const pageRequest = (query: { limit: number; cursor?: string | undefined }): PageRequest => ({
  limit: query.limit + 1,
  ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
});

/** A video that can be read; 404 for an unknown or deleted one. */
export const findVideoIn = (store: Store) => async (id: string) => {
  const video = await store.videos.find(id);
  if (!video) throw new VodkitError('VIDEO_NOT_FOUND');
  return video;
};

export function videoHandlers({ store, sessions, now, newId, streamBaseUrl, deletionsQueued }: HandlerDeps) {
  const findVideo = findVideoIn(store);

  const createVideo: Handler<Api['createVideo']> = async ({ params, body, request }) => {
    const session = await sessions.authenticate(request);
    requireSelf(session, params.user_name);
    const video = {
      id: newId(),
      authorId: session.userId,
      name: body.name,
      status: 'pending' as const,
      size: null,
      contentType: null,
      createdAt: now(),
    };
    // The author was deleted after this session was checked: the session is gone with them.
    if ((await store.videos.create(video)) === 'no-user') throw new VodkitError('UNAUTHENTICATED');
    return { status: 201, body: presentVideo({ ...video, authorName: session.userName }, streamBaseUrl) };
  };

  const listVideos: Handler<Api['listVideos']> = async ({ params, query }) => {
    const page = pageRequest(query);
    const user = await store.users.findByName(params.user_name);
    if (!user) throw new VodkitError('USER_NOT_FOUND');
    const { items, nextCursor } = toPage(await store.videos.listByAuthor(user.id, page), query.limit);
    return {
      status: 200,
      body: { videos: items.map((video) => presentVideo(video, streamBaseUrl)), next_cursor: nextCursor },
    };
  };

  const getVideo: Handler<Api['getVideo']> = async ({ params }) => ({
    status: 200,
    body: presentVideo(await findVideo(params.vid), streamBaseUrl),
  });

  const deleteVideo: Handler<Api['deleteVideo']> = async ({ params, request }) => {
    const session = await sessions.authenticate(request);
    const video = await findVideo(params.vid);
    if (video.authorId !== session.userId) throw new VodkitError('FORBIDDEN');
    request.signal.throwIfAborted();
    if (!(await store.videos.markDeleted(video.id, now()))) throw new VodkitError('VIDEO_NOT_FOUND');
    deletionsQueued();
    return { status: 204, body: undefined };
  };

  return { createVideo, listVideos, getVideo, deleteVideo };
}
