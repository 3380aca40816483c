import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Cuts the connection of `res` when its socket moves no bytes for `ms` (a client that
 * stopped reading: Node counts a write the kernel is still draining as movement). Returns
 * the undo, which puts back the socket's own timeout unless node:http has set another
 * since (its keep-alive timeout, once the response has finished). A response queued behind
 * another on its connection (pipelining) is watched from when it gets the socket.
 */
export function cutWhenIdle(res: ServerResponse, ms: number): () => void {
  let undo = () => {};
  let done = false;
  const watch = (socket: Socket) => {
    if (done) return;
    const previous = socket.timeout ?? 0;
    const cut = () => res.destroy();
    socket.setTimeout(ms);
    socket.once('timeout', cut);
    undo = () => {
      socket.off('timeout', cut);
      if (socket.timeout === ms) socket.setTimeout(previous);
    };
  };
  if (res.socket) watch(res.socket);
  else res.once('socket', watch);
  return () => {
    if (done) return;
    done = true;
    res.off('socket', watch);
    undo();
  };
}
