/**
 * Every error vodkit answers with, keyed by its stable code. Clients switch on
 * the code; the status and message are what the server sends with it.
 */
export const errorCodes = {
  VALIDATION: { status: 400, message: 'The request is not valid.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  NOT_A_VIDEO: {
    status: 400,
    message: 'The upload is not a video vodkit can serve (MP4, MOV, WebM, Matroska or Ogg).',
  },
  EMPTY_UPLOAD: { status: 400, message: 'The upload has no bytes.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid session is required.' },
  BAD_CREDENTIALS: { status: 401, message: 'The user name or password is wrong.' },
  FORBIDDEN: { status: 403, message: 'This session may not act on that resource.' },
  NOT_FOUND: { status: 404, message: 'No route matches this path.' },
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  VIDEO_NOT_FOUND: { status: 404, message: 'No such video.' },
  UPLOAD_NOT_FOUND: {
    status: 404,
    message: 'No such resumable upload: it finished, was ended or replaced, expired, or never was.',
  },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This route does not accept that method.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time.' },
  USER_EXISTS: { status: 409, message: 'That user name is taken.' },
  ALREADY_UPLOADED: { status: 409, message: 'This video already has its file.' },
  UPLOAD_OFFSET_MISMATCH: {
    status: 409,
    message: "Upload-Offset is not the upload's offset; ask for it with HEAD and send from there.",
  },
  UPLOAD_LOCKED: { status: 409, message: 'Another request is writing to this upload; retry shortly.' },
  TUS_VERSION_UNSUPPORTED: { status: 412, message: 'Send Tus-Resumable: 1.0.0; this server speaks tus 1.0.0 only.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has an unsupported content type.' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'None of the requested ranges is inside the file.' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests; retry after the time in Retry-After.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  CLIENT_CLOSED_REQUEST: { status: 499, message: 'The client closed the request before it was answered.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
  UNAVAILABLE: { status: 503, message: 'The service is not available right now.' },
  INSUFFICIENT_STORAGE: { status: 507, message: 'The server has no room left to store this upload.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
