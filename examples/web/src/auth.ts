// Register, log in, log out, and which half of the page shows: the forms or the signed-in app.
import { byId, field, h, setBusy } from './dom.js';
import { reporting, say, sayFailure, thrownMessage } from './messages.js';
import { client, currentUser, onSessionChange, rememberUser } from './session.js';

export interface AuthHooks {
  /** A user is signed in (after a login, or a session kept from an earlier visit). */
  onSignIn(userName: string): void;
  /** The session is gone: logged out, or ended by the server. */
  onSignOut(): void;
}

const registerForm = byId('register-form', HTMLFormElement);
const loginForm = byId('login-form', HTMLFormElement);
const logoutButton = byId('logout', HTMLButtonElement);
const signedIn = byId('signed-in', HTMLElement);
const account = byId('account', HTMLElement);
const signedOutArea = byId('signed-out', HTMLElement);
const signedInArea = byId('signed-in-area', HTMLElement);

export function setupAuth(hooks: AuthHooks): void {
  /** The user the page shows as signed in. */
  let shown: string | undefined;
  /** Set while the Log out button works, so its own session change is not reported as an expiry. */
  let loggingOut = false;

  const showSignedIn = (userName: string) => {
    shown = userName;
    signedIn.replaceChildren('Signed in as ', h('strong', { text: userName }));
    account.hidden = false;
    signedOutArea.hidden = true;
    signedInArea.hidden = false;
    hooks.onSignIn(userName);
  };

  const showSignedOut = () => {
    shown = undefined;
    account.hidden = true;
    signedInArea.hidden = true;
    signedOutArea.hidden = false;
    hooks.onSignOut();
    // The focused control may just have been hidden; the login form is where to go next.
    byId('login-user', HTMLInputElement).focus();
  };

  // The client forgets the session on logout and when the server no longer knows it (a 401 to
  // any call): either way the page returns to the forms.
  onSessionChange((id) => {
    if (id !== undefined || shown === undefined) return;
    showSignedOut();
    if (!loggingOut) say('Your session has ended. Please log in again.', 'error');
  });

  const signIn = (form: HTMLFormElement, kind: 'register' | 'login') =>
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = { user_name: field(form, 'user_name'), pwd: field(form, 'pwd') };
      setBusy(form, true);
      void reporting(kind === 'register' ? 'Could not create the account' : 'Could not log in', async () => {
        const result = kind === 'register' ? await client.api.register({ body }) : await client.api.login({ body });
        if (result.status !== 200 && result.status !== 201) {
          sayFailure(result.body);
          return;
        }
        // The client already keeps (and persists) the session; the name is the server's spelling.
        rememberUser(result.body.user_name);
        form.reset();
        say(kind === 'register' ? `Welcome, ${result.body.user_name}.` : `Logged in as ${result.body.user_name}.`);
        showSignedIn(result.body.user_name);
        byId('upload-name', HTMLInputElement).focus();
      }).finally(() => setBusy(form, false));
    });
  signIn(registerForm, 'register');
  signIn(loginForm, 'login');

  logoutButton.addEventListener('click', async () => {
    loggingOut = true;
    let message = 'You are logged out.';
    try {
      // 204, or 401 when the session had already ended: the client forgets it on both.
      await client.api.logout();
    } catch (error) {
      message = `Logged out on this device; the server could not be told (${thrownMessage(error)})`;
    }
    // After a failure the page forgets the session all the same: the user asked to leave.
    client.setSessionId(undefined);
    loggingOut = false;
    if (shown !== undefined) showSignedOut();
    say(message);
  });

  restore(showSignedIn);
}

/** A session kept from an earlier visit: shown at once, then checked with the server. */
function restore(showSignedIn: (userName: string) => void): void {
  const userName = currentUser();
  if (userName === undefined) {
    // A session without a name (or the reverse) is of no use to the page.
    client.setSessionId(undefined);
    return;
  }
  showSignedIn(userName);
  // An expired session answers 401 and the client forgets it (see onSessionChange above). A
  // network failure leaves it be: the next call will tell.
  client.api
    .getUser({ params: { user_name: userName } })
    .then((result) => {
      // 403: the session is someone else's than the name kept with it; start over.
      if (result.status === 403) client.setSessionId(undefined);
    })
    .catch(() => {});
}
