import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errors } from './responses.js';
import { VideoParams } from './schemas.js';

const c = initContract();

export const DeletionQueued = z.object({ video_id: z.string().uuid(), queued: z.literal(true) });

/** The scheduler service: durable, retried deletion of videos and their files. */
export const schedulerContract = c.router(
  {
    deleteVideo: {
      method: 'DELETE',
      path: '/scheduler/videos/:vid',
      pathParams: VideoParams,
      body: c.noBody(),
      responses: { 200: DeletionQueued, ...errors(401) },
      metadata: { auth: 'scheduler' } as const,
      summary: 'Queue a video for deletion (Authorization: Bearer <scheduler token>); idempotent',
    },
  },
  { strictStatusCodes: true },
);
