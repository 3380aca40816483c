// The work of the node:http + mysql2 baseline: for each workload, the statements vodkit runs on
// MySQL, one for one, on a pool made as vodkit makes it, answering JSON of the same shape.
// Mirrored from packages/core/src/node/mysql (mysql-store.ts for the pool, content.ts and
// accounts.ts for the SQL, rows.ts for the columns) and packages/core/src/auth/sessions.ts (the
// session check and its slide); re-read them when vodkit's SQL changes.
//
// Per workload, as vodkit does it with `--comments-per-user off`:
//   GET /api/videos/:vid                  the video SELECT … JOIN users by id
//   GET /api/user/:name/videos?limit=N    the user by name, then N + 1 videos newest first
//   POST /api/videos/:vid/comments        the session SELECT … JOIN users (and its UPDATE when less
//                                         than half its life is left, as vodkit slides it), the
//                                         video SELECT, the INSERT … SELECT of the comment; the
//                                         comment limit, lifted, runs no statement.
// vodkit takes a connection from the pool and runs each prepared statement on it; pool.execute
// here does the same (getConnection, execute, release) without vodkit's timeouts around it.
import { createHash, randomUUID } from 'node:crypto';
import { createPool } from 'mysql2/promise';
import { commentContent, jsonAnswer, NOT_FOUND } from './memory-api.mjs';

/** vodkit's pool: 10 connections by default (mysqlStore's connectionLimit), the same options. */
const POOL_SIZE = 10;
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

const VIDEO_COLUMNS = `v.id, v.author_id, u.user_name AS author_name, v.name, v.status, v.size, v.content_type, v.created_at`;
const FIND_VIDEO = `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
         WHERE v.id = ? AND v.status <> 'deleting'`;
const FIND_USER = 'SELECT * FROM users WHERE user_name = ?';
const listVideos = (limit) => `SELECT ${VIDEO_COLUMNS} FROM videos v JOIN users u ON u.id = v.author_id
         WHERE v.author_id = ? AND v.status <> 'deleting'
         ORDER BY v.created_at DESC, v.id DESC LIMIT ${Number(limit)}`;
const FIND_SESSION = `SELECT s.id_hash, s.user_id, s.expires_at, u.user_name
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = ? AND s.expires_at > ?`;
const EXTEND_SESSION = 'UPDATE sessions SET expires_at = ? WHERE id_hash = ?';
const INSERT_COMMENT = `INSERT INTO comments (id, video_id, author_id, content, created_at)
         SELECT ?, v.id, u.id, ?, ? FROM users u JOIN videos v ON v.id = ? AND v.status <> 'deleting'
         WHERE u.id = ? LOCK IN SHARE MODE`;

const video = (row) => ({
  id: row.id,
  author: row.author_name,
  name: row.name,
  status: row.status,
  size: row.size === null ? null : Number(row.size),
  content_type: row.content_type,
  created_at: row.created_at.toISOString(),
  stream_url: `/stream/videos/${row.id}`,
});

/** vodkit's page cursor: base64url of "<created_at ms>.<id>" of the last row served. */
const cursor = (row) => Buffer.from(`${row.created_at.getTime()}.${row.id}`).toString('base64url');

const UNAUTHENTICATED = jsonAnswer(401, {
  error: { code: 'UNAUTHENTICATED', message: 'A valid session is required.' },
});
const INVALID = jsonAnswer(400, { error: { code: 'VALIDATION', message: 'The request is not valid.' } });
const failed = (error) => jsonAnswer(500, { error: { code: 'INTERNAL', message: String(error?.message ?? error) } });

const VIDEO_PATH = /^\/api\/videos\/([0-9a-f-]{36})$/;
const LIST_PATH = /^\/api\/user\/([A-Za-z0-9_.-]{3,64})\/videos\?limit=(\d{1,3})$/;
const COMMENT_PATH = /^\/api\/videos\/([0-9a-f-]{36})\/comments$/;

export async function createMysqlApi({ databaseUrl }) {
  const pool = createPool({
    uri: databaseUrl,
    connectionLimit: POOL_SIZE,
    queueLimit: 1000,
    connectTimeout: 5000,
    enableKeepAlive: true,
    timezone: 'Z',
    supportBigNumbers: true,
  });
  const rows = async (sql, params) => (await pool.execute(sql, params))[0];

  async function getVideo(id) {
    const [row] = await rows(FIND_VIDEO, [id]);
    return row ? jsonAnswer(200, video(row)) : NOT_FOUND;
  }

  async function listByName(userName, limit) {
    const [user] = await rows(FIND_USER, [userName]);
    if (!user) return NOT_FOUND;
    const found = await rows(listVideos(limit + 1), [user.id]);
    const page = found.slice(0, limit);
    const next = found.length > limit ? cursor(page[page.length - 1]) : null;
    return jsonAnswer(200, { videos: page.map(video), next_cursor: next });
  }

  async function comment(videoId, token, text) {
    // vodkit validates the body before its handler runs, then checks the session.
    const content = commentContent(text);
    if (content === undefined) return INVALID;
    if (!token) return UNAUTHENTICATED;
    const at = new Date();
    const idHash = createHash('sha256').update(token).digest('hex');
    const [session] = await rows(FIND_SESSION, [idHash, at]);
    if (!session) return UNAUTHENTICATED;
    if (session.expires_at.getTime() - at.getTime() < SESSION_TTL_MS / 2) {
      await rows(EXTEND_SESSION, [new Date(at.getTime() + SESSION_TTL_MS), idHash]);
    }
    const [found] = await rows(FIND_VIDEO, [videoId]);
    if (!found) return NOT_FOUND;
    const id = randomUUID();
    const createdAt = new Date();
    const inserted = await rows(INSERT_COMMENT, [id, content, createdAt, videoId, session.user_id]);
    if (inserted.affectedRows !== 1) return NOT_FOUND;
    const body = { id, video_id: videoId, author: session.user_name, content, created_at: createdAt.toISOString() };
    return jsonAnswer(201, body);
  }

  const guarded = (work) => work.catch(failed);
  return {
    get(path) {
      const one = VIDEO_PATH.exec(path);
      if (one) return guarded(getVideo(one[1]));
      const list = LIST_PATH.exec(path);
      if (list) return guarded(listByName(list[1], Number(list[2])));
      return Promise.resolve(NOT_FOUND);
    },
    post(path, token, text) {
      const match = COMMENT_PATH.exec(path);
      return match ? guarded(comment(match[1], token, text)) : Promise.resolve(NOT_FOUND);
    },
    close: () => pool.end(),
  };
}
