import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The listener's responses not yet finished, per socket, oldest first: pipelined requests
 * queue their answers. The clientError path reads it to tell whether an answer of its own
 * can still go out on the socket, and in which order.
 */
const bySocket = new WeakMap<Duplex, ServerResponse[]>();

/** Responses whose request the clientError path has answered: their listener writes nothing. */
const answeredElsewhere = new WeakSet<ServerResponse>();

/** Registers a response of the listener until it finishes or its connection closes. */
export function trackResponse(socket: Duplex, res: ServerResponse): void {
  let pending = bySocket.get(socket);
  if (!pending) {
    pending = [];
    bySocket.set(socket, pending);
  }
  const list = pending;
  list.push(res);
  const forget = () => {
    const at = list.indexOf(res);
    if (at !== -1) list.splice(at, 1);
  };
  res.once('finish', forget);
  res.once('close', forget);
}

/** The listener's unfinished responses on `socket`, oldest first. */
export const responsesOn = (socket: Duplex): readonly ServerResponse[] => bySocket.get(socket) ?? [];

/** From now on the listener writes nothing on `res`: its request has had its answer. */
export const answerElsewhere = (res: ServerResponse): void => {
  answeredElsewhere.add(res);
};

export const isAnsweredElsewhere = (res: ServerResponse): boolean => answeredElsewhere.has(res);
