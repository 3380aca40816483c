import type { DeletionClaim, DeletionQueue } from '../store/types.js';

/** A row the runner holds the lease of; `attempts` drives the backoff of its next failure. */
export type ClaimedDeletion = DeletionClaim;

/** The part of the store's deletion queue the runner uses, so a test fake need not be a whole store. */
export type DeletionClaims = Pick<DeletionQueue, 'claim' | 'complete' | 'fail' | 'release'>;

export type DeletionFailure = Parameters<DeletionQueue['fail']>[2];

export interface DeletionStats {
  deleted: number;
  /** Failed attempts, dead ones included. */
  failed: number;
  dead: number;
  inFlight: number;
}
