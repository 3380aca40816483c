import type { schedulerContract } from '@vodkit/contract';
import { requireBearer } from '../auth/bearer.js';
import type { Store } from '../store/types.js';
import type { Handler } from './types.js';

export interface SchedulerDeps {
  store: Store;
  token: string;
  now: () => Date;
  /** Wakes this process's runner, so a deletion queued here starts at once. */
  wake: () => void;
}

/** DELETE /scheduler/videos/:vid: marks and queues; a second call finds it queued and says so again. */
export function schedulerHandler({
  store,
  token,
  now,
  wake,
}: SchedulerDeps): Handler<(typeof schedulerContract)['deleteVideo']> {
  return async ({ params, request }) => {
    await requireBearer(request, token);
    await store.deletions.enqueue(params.vid, now());
    wake();
    return { status: 200, body: { video_id: params.vid, queued: true } };
  };
}
