/** The route groups of vodkit; each can be served alone or together with the others. */
export const serviceNames = ['api', 'stream', 'scheduler'] as const;

/** One of `serviceNames`: `api`, `stream` or `scheduler`. */
export type ServiceName = (typeof serviceNames)[number];

/** Whether a string (a flag's, a variable's) names a service. */
export const isServiceName = (name: string): name is ServiceName => (serviceNames as readonly string[]).includes(name);
