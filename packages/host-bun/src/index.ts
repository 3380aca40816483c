export { type FileSends, fileSends, type Signalled } from './file-sends.js';
export { type FetchHandler, handle, type RequestContext } from './handler.js';
export { type RunningServer, type ServeOptions, serve } from './serve.js';
