// The work of the memory baselines (bare node:http in node-api.mjs, bare Bun.serve in bun-api.mjs),
// written once so both do exactly the same: the GETs answer the bytes vodkit answered for them,
// fetched once by bench/api.mjs; a comment is parsed, its session looked up in a Map and the row
// pushed onto an array, and the answer is the comment as JSON, the same shape and size as vodkit's.
//
// config: { routes: { "<path?query>": { contentType, body } }, comment: { path, videoId, sessions: { token: userName } } }

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer: status, content type, the body's bytes and their length. */
export const jsonAnswer = (status, value) => {
  const body = Buffer.from(JSON.stringify(value));
  return { status, contentType: JSON_TYPE, body, length: body.byteLength };
};

export const NOT_FOUND = jsonAnswer(404, { error: { code: 'NOT_FOUND', message: 'No such route.' } });
const UNAUTHENTICATED = jsonAnswer(401, {
  error: { code: 'UNAUTHENTICATED', message: 'A valid session is required.' },
});
const INVALID = jsonAnswer(400, { error: { code: 'VALIDATION', message: 'The request is not valid.' } });

/** The content of a comment body, or undefined when it is not `{ "content": "<1 to 2000 characters>" }`. */
export function commentContent(text) {
  try {
    const { content } = JSON.parse(text);
    return typeof content === 'string' && content.length >= 1 && content.length <= 2000 ? content : undefined;
  } catch {
    return undefined;
  }
}

export function createMemoryApi({ routes, comment }) {
  const answers = new Map(
    Object.entries(routes).map(([path, { contentType, body }]) => {
      const bytes = Buffer.from(body);
      return [path, { status: 200, contentType, body: bytes, length: bytes.byteLength }];
    }),
  );
  const sessions = new Map(Object.entries(comment.sessions));
  const comments = [];
  return {
    /** The answer to GET `path` (with its query). */
    get: (path) => answers.get(path) ?? NOT_FOUND,
    /** The answer to POST `path` with this session token and body text. */
    post(path, token, text) {
      if (path !== comment.path) return NOT_FOUND;
      const author = token && sessions.get(token);
      if (!author) return UNAUTHENTICATED;
      const content = commentContent(text);
      if (content === undefined) return INVALID;
      const row = {
        id: crypto.randomUUID(),
        video_id: comment.videoId,
        author,
        content,
        created_at: new Date().toISOString(),
      };
      comments.push(row);
      return jsonAnswer(201, row);
    },
  };
}
