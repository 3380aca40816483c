import type { Rate } from '../defaults.js';
import { VodkitError } from '../errors/vodkit-error.js';
import { windowLeftMs } from '../store/rate-window.js';
import type { Store } from '../store/types.js';

/** Limits on what one account, user or address may do; `null` lifts one. */
export interface AbuseLimits {
  /** Failed password checks (login, account deletion) per account name. */
  passwordFailuresPerAccount: Rate | null;
  /** Failed password checks per client address. */
  passwordFailuresPerClient: Rate | null;
  /** Comments posted per user. */
  commentsPerUser: Rate | null;
}

const tooMany = (message: string, now: Date, rate: Rate) =>
  new VodkitError('TOO_MANY_REQUESTS', {
    message,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(windowLeftMs(now, rate.windowMs) / 1000))) },
  });

/**
 * The abuse limits, counted in the store so every instance on it shares them. Password checks
 * are refused before any hashing once a limit is reached, so a guesser costs a counter, not a
 * scrypt.
 */
export function createAbuseLimits(store: Store, limits: AbuseLimits, now: () => Date) {
  const { passwordFailuresPerAccount: perAccount, passwordFailuresPerClient: perClient } = limits;
  // Names differ only in case never coexist, so their guesses count together.
  const accountKey = (userName: string) => `password:account:${userName.toLowerCase()}`;
  const clientKey = (client: string) => `password:client:${client}`;

  return {
    /**
     * Counts a password check before it runs, so that guesses sent in parallel cannot get past
     * the limit while their hashes are computed: 429 (and no hashing) once the account or the
     * address is over its quota. Call `succeeded()` when the password was right: it clears the
     * account's failures and takes back the address's count of this attempt.
     */
    async passwordAttempt(userName: string, client: string) {
      const at = now();
      const [account, address] = await Promise.all([
        perAccount ? store.limits.hit(accountKey(userName), at, perAccount.windowMs) : 0,
        perClient ? store.limits.hit(clientKey(client), at, perClient.windowMs) : 0,
      ]);
      if (perAccount && account > perAccount.count) {
        throw tooMany('Too many failed password attempts for this account; retry later.', at, perAccount);
      }
      if (perClient && address > perClient.count) {
        throw tooMany('Too many failed password attempts from this address; retry later.', at, perClient);
      }
      return {
        async succeeded() {
          await Promise.all([
            perAccount && store.limits.reset(accountKey(userName)),
            perClient && store.limits.hit(clientKey(client), at, perClient.windowMs, -1),
          ]);
        },
      };
    },

    /** Counts a comment of `userId`; 429 past the limit. */
    async comment(userId: string) {
      const rate = limits.commentsPerUser;
      if (!rate) return;
      const at = now();
      if ((await store.limits.hit(`comment:user:${userId}`, at, rate.windowMs)) > rate.count) {
        throw tooMany('Too many comments from this user; retry later.', at, rate);
      }
    },
  };
}

export type AbuseGuard = ReturnType<typeof createAbuseLimits>;
