// The one client of the page, and what survives a reload: the session and the user name.
import { createVodkitClient } from '@vodkit/client';

const SESSION_KEY = 'vodkit.session';
const USER_KEY = 'vodkit.user';

// localStorage throws when storage is disabled or full (private modes, quotas): the page still
// works, it just forgets the session on reload.
function read(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: string | undefined): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // See read(): not persisting is the only consequence.
  }
}

type Listener = (sessionId: string | undefined) => void;
const listeners = new Set<Listener>();

/**
 * Same origin as the page: the host serves the built page next to the API (and Vite's dev
 * server proxies the API), so there is no CORS and streamUrl() works in <video src>.
 */
export const client = createVodkitClient({
  baseUrl: location.origin,
  sessionId: read(SESSION_KEY),
  // Called on login/register, on logout, and when the server answers 401 UNAUTHENTICATED to the
  // kept session (expired or revoked): the page hears of all three in one place.
  onSessionChange: (id) => {
    write(SESSION_KEY, id);
    if (id === undefined) write(USER_KEY, undefined);
    for (const listener of listeners) listener(id);
  },
});

/** Runs `listener` on every change of the client's session. */
export function onSessionChange(listener: Listener): void {
  listeners.add(listener);
}

/** The signed-in user's name: the routes for listing and creating videos take it in their path. */
export function currentUser(): string | undefined {
  return client.sessionId === undefined ? undefined : read(USER_KEY);
}

export function rememberUser(userName: string): void {
  write(USER_KEY, userName);
}
