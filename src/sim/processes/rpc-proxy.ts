/**
 * A TCP forwarder in front of the chain's JSON-RPC port, so the soak can take
 * the RPC away from relays and clients ("stop the chain's RPC for 30 s")
 * without stopping the in-memory Hardhat chain, which would lose its state.
 * While paused, open connections are reset and new ones closed at once.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type RpcProxy = { url: string; pause(): void; resume(): void; readonly paused: boolean; close(): Promise<void> };

/**
 * Starts the proxy on 127.0.0.1 (free port) forwarding to `targetUrl`.
 *
 * @example
 * const proxy = await startRpcProxy(chain.rpcUrl);
 * proxy.pause(); … proxy.resume();
 */
export async function startRpcProxy(targetUrl: string): Promise<RpcProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let paused = false;
  const server: Server = createServer((client) => {
    if (paused) return void client.resetAndDestroy();
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    resume() {
      paused = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
