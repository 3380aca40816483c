import type { apiContract } from '@vodkit/contract';
import { VodkitError } from '../errors/vodkit-error.js';
import type { ActiveSession } from '../store/types.js';
import type { Handler, HandlerDeps } from './types.js';

type Api = typeof apiContract;

/** Routes named after a user act only for that user's own session. */
export const requireSelf = (session: ActiveSession, userName: string) => {
  if (session.userName !== userName) throw new VodkitError('FORBIDDEN');
};

export function userHandlers({
  store,
  passwords,
  sessions,
  now,
  newId,
  deletionsQueued,
  abuse,
  sessionsPerUser,
}: HandlerDeps) {
  // Verifying against a real hash when the user does not exist keeps login time
  // the same either way, so response timing does not reveal which names exist.
  let decoy: Promise<string> | undefined;
  const matches = async (password: string, stored: string | undefined) => {
    // A failed hash (the hasher busy past its queue) is not kept: the next login makes it again.
    decoy ??= passwords.hash('decoy password for unknown users').catch((error: unknown) => {
      decoy = undefined;
      throw error;
    });
    const ok = await passwords.verify(password, stored ?? (await decoy));
    return ok && stored !== undefined;
  };
  /** A password check under the abuse limits: 429 before hashing once the account or address failed too often. */
  const checkPassword = async (userName: string, password: string, stored: string | undefined, client: string) => {
    const attempt = await abuse.passwordAttempt(userName, client);
    const ok = await matches(password, stored);
    if (ok) await attempt.succeeded();
    return ok;
  };

  const grant = (userName: string, token: string, expiresAt: Date) => ({
    user_name: userName,
    session_id: token,
    expires_at: expiresAt.toISOString(),
  });

  const register: Handler<Api['register']> = async ({ body, request }) => {
    if (await store.users.findByName(body.user_name)) throw new VodkitError('USER_EXISTS');
    const passwordHash = await passwords.hash(body.pwd);
    request.signal.throwIfAborted();
    const user = { id: newId(), userName: body.user_name, passwordHash, createdAt: now() };
    const { token, record } = await sessions.mint(user.id);
    // The unique key decides between racing registrations of one name.
    if ((await store.users.create(user, record)) === 'exists') throw new VodkitError('USER_EXISTS');
    return { status: 201, body: grant(user.userName, token, record.expiresAt) };
  };

  const login: Handler<Api['login']> = async ({ body, request, client }) => {
    const user = await store.users.findByName(body.user_name);
    const ok = await checkPassword(body.user_name, body.pwd, user?.passwordHash, client);
    if (!user || !ok) throw new VodkitError('BAD_CREDENTIALS');
    request.signal.throwIfAborted();
    const { token, record } = await sessions.mint(user.id);
    // The account was deleted while its password was being checked.
    if ((await store.sessions.create(record, now(), sessionsPerUser)) === 'no-user') {
      throw new VodkitError('BAD_CREDENTIALS');
    }
    return { status: 200, body: grant(user.userName, token, record.expiresAt) };
  };

  const logout: Handler<Api['logout']> = async ({ request }) => {
    await sessions.revoke(await sessions.authenticate(request));
    return { status: 204, body: undefined };
  };

  const getUser: Handler<Api['getUser']> = async ({ params, request }) => {
    requireSelf(await sessions.authenticate(request), params.user_name);
    const user = await store.users.findByName(params.user_name);
    if (!user) throw new VodkitError('UNAUTHENTICATED');
    return { status: 200, body: { id: user.id, user_name: user.userName, created_at: user.createdAt.toISOString() } };
  };

  const deleteUser: Handler<Api['deleteUser']> = async ({ params, body, request, client }) => {
    const session = await sessions.authenticate(request);
    requireSelf(session, params.user_name);
    const user = await store.users.findByName(params.user_name);
    if (!user) throw new VodkitError('UNAUTHENTICATED');
    if (!(await checkPassword(user.userName, body.pwd, user.passwordHash, client))) {
      throw new VodkitError('BAD_CREDENTIALS');
    }
    request.signal.throwIfAborted();
    await store.users.delete(user.id, now());
    deletionsQueued();
    return { status: 204, body: undefined };
  };

  return { register, login, logout, getUser, deleteUser };
}
