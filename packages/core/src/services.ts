/** The route groups of vodkit; each can be served alone or together with the others. */
export const serviceNames = ['api', 'stream', 'scheduler'] as const;

export type ServiceName = (typeof serviceNames)[number];

export const isServiceName = (name: string): name is ServiceName => (serviceNames as readonly string[]).includes(name);
