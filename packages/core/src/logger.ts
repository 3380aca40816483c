/** Where vodkit writes what happened: a message and fields, at two levels. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const line = (level: string, message: string, fields?: Record<string, unknown>) =>
  JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });

/** One JSON object per line on the console: what log collectors expect. */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(line('info', message, fields)),
  error: (message, fields) => console.error(line('error', message, fields)),
};

/** Writes nothing: for tests, or an embedder that logs elsewhere. */
export const silentLogger: Logger = { info: () => {}, error: () => {} };
