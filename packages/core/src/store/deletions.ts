/** `video_del_rec.last_error` holds at most this many characters; longer messages are cut. */
export const MAX_DELETION_ERROR_LENGTH = 1000;

/** How many dead ids `DeletionQueue.counts()` reports. */
export const DEAD_IDS_REPORTED = 20;

/** The error as stored: at most MAX_DELETION_ERROR_LENGTH characters, never half a surrogate pair. */
export const storedError = (error: string): string =>
  error.length <= MAX_DELETION_ERROR_LENGTH ? error : Array.from(error).slice(0, MAX_DELETION_ERROR_LENGTH).join('');
