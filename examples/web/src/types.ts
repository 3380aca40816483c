// The API's bodies, taken from the client's own types so they follow the contract.
import type { OkBody } from '@vodkit/client';
import type { client } from './session.js';

type Api = typeof client.api;

export type Video = OkBody<Awaited<ReturnType<Api['getVideo']>>>;
export type Comment = OkBody<Awaited<ReturnType<Api['createComment']>>>;
