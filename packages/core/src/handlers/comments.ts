import type { apiContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import { toPage } from '../pagination/cursor.js';
import { presentComment } from './present.js';
import type { Handler, HandlerDeps } from './types.js';
import { findVideoIn, pageRequest } from './videos.js';

type Api = typeof apiContract;

export function commentHandlers({ store, sessions, now, newId, abuse }: HandlerDeps) {
  const findVideo = findVideoIn(store);

  const listComments: Handler<Api['listComments']> = async ({ params, query }) => {
    const page = pageRequest(query);
    await findVideo(params.vid);
    const { items, nextCursor } = toPage(await store.comments.listByVideo(params.vid, page), query.limit);
    return { status: 200, body: { comments: items.map(presentComment), next_cursor: nextCursor } };
  };

  const createComment: Handler<Api['createComment']> = async ({ params, body, request }) => {
    const session = await sessions.authenticate(request);
    await findVideo(params.vid);
    await abuse.comment(session.userId);
    const comment = {
      id: newId(),
      videoId: params.vid,
      authorId: session.userId,
      content: body.content,
      createdAt: now(),
    };
    const stored = await store.comments.create(comment);
    // Deleted after the checks above: the user (their session with them) or the video.
    if (stored === 'no-user') throw new VodkitError('UNAUTHENTICATED');
    if (stored === 'no-video') throw new VodkitError('VIDEO_NOT_FOUND');
    return { status: 201, body: presentComment({ ...comment, authorName: session.userName }) };
  };

  return { listComments, createComment };
}
