import type { healthContract } from '@vodkit/contract';
import type { Store } from '../store/types.js';
import type { Handler } from './types.js';

const PING_TIMEOUT_MS = 2000;

const withTimeout = <T>(work: Promise<T>, ms: number) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Deletions waiting, and dead ones (kept after the last attempt failed) for an operator to look at. */
const schedulerDetail = async (store: Store) => {
  const { queued, dead, deadIds } = await store.deletions.counts();
  return { queued, dead, dead_video_ids: deadIds };
};

export function healthHandlers(store: Store, services: readonly string[]) {
  const health: Handler<(typeof healthContract)['health']> = async () => {
    const checks: Record<string, string> = {};
    try {
      await withTimeout(store.ping(), PING_TIMEOUT_MS);
      checks.store = 'ok';
    } catch (error) {
      checks.store = `unavailable: ${(error as Error).message}`;
    }
    const ok = Object.values(checks).every((check) => check === 'ok');
    const body = {
      status: ok ? ('ok' as const) : ('unavailable' as const),
      services: [...services],
      checks,
      ...(ok && services.includes('scheduler') ? { scheduler: await schedulerDetail(store) } : {}),
    };
    return ok ? { status: 200, body } : { status: 503, body };
  };
  return { health };
}
