import { initContract } from '@ts-rest/core';
import { errors, jsonBodyErrors } from './responses.js';
import {
  Comment,
  CommentPage,
  Credentials,
  DeleteUserBody,
  Health,
  NewComment,
  NewVideo,
  PageQuery,
  SessionGrant,
  User,
  UserNameParams,
  Video,
  VideoPage,
  VideoParams,
} from './schemas.js';

const c = initContract();

/** Routes that need a session (`X-Session-Id` or `Authorization: Bearer`); read by the client and the docs. */
const session = { auth: 'session' } as const;

/** The API service: accounts, sessions, videos and comments. */
export const apiContract = c.router(
  {
    register: {
      method: 'POST',
      path: '/api/register',
      body: Credentials,
      responses: { 201: SessionGrant, ...jsonBodyErrors(409) },
      summary: 'Create a user and a session for it',
    },
    login: {
      method: 'POST',
      path: '/api/login',
      body: Credentials,
      responses: { 200: SessionGrant, ...jsonBodyErrors(401, 429) },
      summary: 'Open a new session',
    },
    logout: {
      method: 'POST',
      path: '/api/logout',
      body: c.noBody(),
      responses: { 204: c.noBody(), ...errors(401) },
      metadata: session,
      summary: 'Revoke the session that sends this request',
    },
    getUser: {
      method: 'GET',
      path: '/api/user/:user_name',
      pathParams: UserNameParams,
      responses: { 200: User, ...errors(401, 403) },
      metadata: session,
      summary: "The session user's own account",
    },
    deleteUser: {
      method: 'DELETE',
      path: '/api/user/:user_name',
      pathParams: UserNameParams,
      body: DeleteUserBody,
      responses: { 204: c.noBody(), ...jsonBodyErrors(401, 403, 429) },
      metadata: session,
      summary: 'Delete the account: sessions revoked, videos queued for deletion, comments removed',
    },
    createVideo: {
      method: 'POST',
      path: '/api/user/:user_name/videos',
      pathParams: UserNameParams,
      body: NewVideo,
      responses: { 201: Video, ...jsonBodyErrors(401, 403) },
      metadata: session,
      summary: 'Create a video (status pending) to upload into',
    },
    listVideos: {
      method: 'GET',
      path: '/api/user/:user_name/videos',
      pathParams: UserNameParams,
      query: PageQuery,
      responses: { 200: VideoPage, ...errors(404) },
      summary: "A user's videos, newest first",
    },
    getVideo: {
      method: 'GET',
      path: '/api/videos/:vid',
      pathParams: VideoParams,
      responses: { 200: Video, ...errors(404) },
      summary: 'One video',
    },
    deleteVideo: {
      method: 'DELETE',
      path: '/api/videos/:vid',
      pathParams: VideoParams,
      body: c.noBody(),
      responses: { 204: c.noBody(), ...errors(401, 403, 404) },
      metadata: session,
      summary: 'Delete a video now; its file is removed by the scheduler',
    },
    listComments: {
      method: 'GET',
      path: '/api/videos/:vid/comments',
      pathParams: VideoParams,
      query: PageQuery,
      responses: { 200: CommentPage, ...errors(404) },
      summary: 'Comments on a video, newest first',
    },
    createComment: {
      method: 'POST',
      path: '/api/videos/:vid/comments',
      pathParams: VideoParams,
      body: NewComment,
      responses: { 201: Comment, ...jsonBodyErrors(401, 404, 429) },
      metadata: session,
      summary: 'Comment on a video',
    },
  },
  { strictStatusCodes: true },
);

/** Served by every service group. */
export const healthContract = c.router(
  {
    health: {
      method: 'GET',
      path: '/healthz',
      responses: { 200: Health, 503: Health },
      summary: 'Whether this instance and its dependencies answer',
    },
  },
  { strictStatusCodes: true },
);
