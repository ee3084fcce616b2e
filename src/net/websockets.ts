/**
 * WebSockets with a handshake deadline (issue 18 finding 4).
 *
 * `@libp2p/websockets` 10.1.21 waits without limit for a new socket's first
 * byte (`listener.js` `onSocketConnection`), and the HTTP upgrade that
 * follows has Node's minute-long header timeout; such sockets are not yet
 * libp2p connections, so no libp2p limit sees them. This wrapper destroys a
 * socket that has not completed its HTTP upgrade within `handshakeMs`, and
 * closes at once a socket from an IP that already has `pendingPerIp` sockets
 * before their upgrade; after
 * the upgrade libp2p's own upgrade timeout covers Noise and yamux. Like
 * `yamux.ts` it reaches into the listener (`server`, `http`) and fails loudly
 * if a new version renames them.
 */
import type { Server, Socket } from "node:net";
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { webSockets } from "@libp2p/websockets";
import type { Listener, Transport } from "@libp2p/interface";

type ListenerShape = { server: Server; http?: HttpServer };

/**
 * @param handshakeMs deadline for a socket's HTTP upgrade
 * @param pendingPerIp sockets of one IP address allowed before their upgrade at once; more are closed at once
 * @returns a transport factory for `createLibp2p({ transports: [...] })`
 */
export function boundedWebSockets(
  handshakeMs: number,
  pendingPerIp: number,
): (components: Parameters<ReturnType<typeof webSockets>>[0]) => Transport {
  const make = webSockets();
  return (components) => {
    const transport = make(components);
    const createListener = transport.createListener.bind(transport);
    transport.createListener = (options): Listener => {
      const listener = createListener(options);
      const shape = listener as unknown as Partial<ListenerShape>;
      if (typeof shape.server?.on !== "function")
        throw new Error("@libp2p/websockets changed its listener; re-check src/net/websockets.ts before upgrading");
      const timers = new WeakMap<Socket, NodeJS.Timeout>();
      const pending = new Map<string, number>();
      const settle = (socket: Socket, host: string) => {
        const timer = timers.get(socket);
        if (timer === undefined) return;
        clearTimeout(timer);
        timers.delete(socket);
        const left = (pending.get(host) ?? 1) - 1;
        if (left <= 0) pending.delete(host);
        else pending.set(host, left);
      };
      shape.server.on("connection", (socket: Socket) => {
        const host = socket.remoteAddress ?? "";
        const count = pending.get(host) ?? 0;
        if (count >= pendingPerIp) return void socket.destroy();
        pending.set(host, count + 1);
        timers.set(
          socket,
          setTimeout(() => socket.destroy(new Error("WebSocket handshake timed out")), handshakeMs),
        );
        socket.once("close", () => settle(socket, host));
      });
      const listen = listener.listen.bind(listener);
      listener.listen = async (ma) => {
        await listen(ma);
        // The HTTP server exists once listening; a completed upgrade ends the deadline.
        shape.http?.on("upgrade", (req: IncomingMessage) =>
          settle(req.socket as Socket, req.socket.remoteAddress ?? ""),
        );
      };
      return listener;
    };
    return transport;
  };
}
