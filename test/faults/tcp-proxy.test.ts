import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/files.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** A client socket with everything it has received so far, and whether it was closed on. */
interface Peer {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

async function dial(port: number): Promise<Peer> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (chunk) => {
    text += chunk;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await once(socket, 'connect');
  return { socket, received: () => text, closed: () => closed };
}

// The proxy is the instrument of every database fault suite: these pin down what each mode does,
// against an echo server, so a fault suite that fails is about vodkit and not about the proxy.
describe('the test TCP proxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  /** Set when the echo server has read a `later`, which it answers 100 ms after. */
  let heardLater = false;
  beforeAll(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', (chunk) => {
        if (String(chunk) !== 'later') return void socket.write(chunk);
        heardLater = true;
        setTimeout(() => socket.write('late'), 100);
      });
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards both ways while open', async () => {
    const peer = await dial(proxy.port);
    peer.socket.write('hello');
    await eventually('the echo', () => peer.received() === 'hello');
    peer.socket.destroy();
  });

  it('frozen: holds bytes both ways and new connections, then delivers them in order on restore', async () => {
    const before = await dial(proxy.port);
    before.socket.write('a');
    await eventually('the echo', () => before.received() === 'a');
    proxy.freeze();
    before.socket.write('b');
    before.socket.write('c');
    const during = await dial(proxy.port);
    during.socket.write('held');
    await sleep(300);
    expect([before.received(), during.received(), before.closed(), during.closed()]).toEqual(['a', '', false, false]);
    proxy.restore();
    await eventually('the held bytes', () => before.received() === 'abc' && during.received() === 'held');
    before.socket.destroy();
    during.socket.destroy();
  });

  it('frozen: holds what the server sends after the freeze too', async () => {
    const peer = await dial(proxy.port);
    heardLater = false;
    peer.socket.write('later');
    await eventually('the server read it', () => heardLater);
    proxy.freeze();
    await sleep(300);
    expect(peer.received()).toBe('');
    proxy.restore();
    await eventually('the held answer', () => peer.received() === 'late');
    peer.socket.destroy();
  });

  it('cut: closes open connections, resets new ones, and lets them through again after restore', async () => {
    const peer = await dial(proxy.port);
    proxy.cut();
    await eventually('the open connection closed', () => peer.closed());
    const refused = connect(proxy.port, '127.0.0.1');
    const [outcome] = await Promise.race([
      once(refused, 'error').then(([error]) => [(error as NodeJS.ErrnoException).code]),
      once(refused, 'close').then(() => ['closed']),
    ]);
    expect(['ECONNRESET', 'closed']).toContain(outcome);
    proxy.restore();
    const after = await dial(proxy.port);
    after.socket.write('back');
    await eventually('the echo after restore', () => after.received() === 'back');
    after.socket.destroy();
    await eventually('every connection forgotten', () => proxy.open === 0);
  });

  it('via() points a database URL at the proxy, credentials and database kept', () => {
    expect(proxy.via('mysql://root:pw@db.example:3306/vodkit')).toBe(`mysql://root:pw@127.0.0.1:${proxy.port}/vodkit`);
  });
});
