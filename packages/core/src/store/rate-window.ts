/** Where the fixed window of `windowMs` that holds `now` starts. */
export const windowStart = (now: Date, windowMs: number) => new Date(Math.floor(now.getTime() / windowMs) * windowMs);

/** Milliseconds from `now` to the end of its window: what a 429's Retry-After says. */
export const windowLeftMs = (now: Date, windowMs: number) => windowMs - (now.getTime() % windowMs);
