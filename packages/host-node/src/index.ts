export { writeClientError } from './client-error.js';
export { type FetchHandler, getRequestListener, type ListenerOptions, type RequestListener } from './listener.js';
export { type RunningServer, type ServeOptions, serve } from './serve.js';
