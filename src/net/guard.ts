/**
 * Connection budgets of a node (issue 18 finding 4), enforced through
 * libp2p's connection gater: per IP address and per peer, a cap on
 * connections still upgrading per IP, idle reaping, a ban list for peers
 * that sent too much junk (finding 8), and an allow-list — the relays of the
 * current directory — that bypasses every budget so the mix network keeps
 * working whatever other peers do. Limits: `budgets.ts`, docs/relay.md §Limits.
 */
import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import { IDLE_CONNECTION_MS, MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_PEER, MAX_PENDING_PER_IP } from "./budgets.js";

export type GuardLimits = {
  connectionsPerIp: number;
  connectionsPerPeer: number;
  pendingPerIp: number;
  idleMs: number;
};

/** The IP address of a multiaddr, or the whole string when it has none. */
function hostOf(address: Multiaddr): string {
  return address.getComponents().find((c) => c.name === "ip4" || c.name === "ip6")?.value ?? address.toString();
}

/**
 * Budgets and bans of one node; `gater()` goes into `createLibp2p`, then
 * `attach()` gives it the node's connections.
 *
 * @example
 * const guard = new PeerGuard();
 * const node = await createLibp2p({ connectionGater: guard.gater(), … });
 * guard.attach(() => node.getConnections());
 * guard.allow(["12D3Koo…"]); guard.ban("12D3Koo…", 120_000);
 */
export class PeerGuard {
  readonly limits: GuardLimits;
  readonly #now: () => number;
  #connections: () => Connection[] = () => [];
  #allowed = new Set<string>();
  readonly #banned = new Map<string, number>();
  readonly #pending = new Map<string, number>();
  /** When each connection was last seen with a stream (or opened). */
  readonly #lastBusy = new WeakMap<Connection, number>();
  #reaper: NodeJS.Timeout | null = null;

  constructor(limits: Partial<GuardLimits> = {}, now: () => number = () => performance.now()) {
    this.limits = {
      connectionsPerIp: MAX_CONNECTIONS_PER_IP,
      connectionsPerPeer: MAX_CONNECTIONS_PER_PEER,
      pendingPerIp: MAX_PENDING_PER_IP,
      idleMs: IDLE_CONNECTION_MS,
      ...limits,
    };
    this.#now = now;
  }

  /** Gives the guard the node's open connections and starts idle reaping. */
  attach(connections: () => Connection[]): void {
    this.#connections = connections;
    const every = Math.max(250, Math.min(10_000, this.limits.idleMs / 4));
    this.#reaper = setInterval(() => this.reapIdle(), every);
    this.#reaper.unref();
  }

  /** Stops idle reaping (the node is stopping). */
  detach(): void {
    if (this.#reaper) clearInterval(this.#reaper);
    this.#reaper = null;
  }

  /** Replaces the allow-list: peer id strings admitted past every budget (the directory's relays). */
  allow(peers: Iterable<string>): void {
    this.#allowed = new Set(peers);
  }

  isAllowed(peer: string): boolean {
    return this.#allowed.has(peer);
  }

  /** Refuses `peer` for `ms` (an allow-listed relay is never banned). */
  ban(peer: string, ms: number): void {
    if (!this.#allowed.has(peer)) this.#banned.set(peer, this.#now() + ms);
  }

  isBanned(peer: string): boolean {
    const until = this.#banned.get(peer);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#banned.delete(peer);
    return false;
  }

  /** Closes connections that carried no stream for `idleMs` (allow-listed relays excepted). */
  reapIdle(): void {
    const now = this.#now();
    for (const c of this.#connections()) {
      if (c.streams.length > 0 || !this.#lastBusy.has(c)) this.#lastBusy.set(c, now);
      else if (now - this.#lastBusy.get(c)! >= this.limits.idleMs && !this.#allowed.has(c.remotePeer.toString()))
        void c.close().catch(() => c.abort(new Error("idle")));
    }
  }

  gater(): ConnectionGater {
    return {
      denyInboundConnection: (maConn) => this.#denyPending(maConn),
      denyInboundEncryptedConnection: (peerId, maConn) => this.#denyEncrypted(peerId, maConn),
      denyOutboundEncryptedConnection: (peerId) => this.isBanned(peerId.toString()),
    };
  }

  /** Raw socket accepted: at most `pendingPerIp` of one IP may be upgrading at once. */
  #denyPending(maConn: MultiaddrConnection): boolean {
    const host = hostOf(maConn.remoteAddr);
    const pending = this.#pending.get(host) ?? 0;
    if (pending >= this.limits.pendingPerIp) return true;
    this.#pending.set(host, pending + 1);
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      const left = (this.#pending.get(host) ?? 1) - 1;
      if (left <= 0) this.#pending.delete(host);
      else this.#pending.set(host, left);
    };
    (maConn as unknown as EventTarget).addEventListener("close", release, { once: true });
    this.#releases.set(maConn, release);
    return false;
  }

  readonly #releases = new WeakMap<MultiaddrConnection, () => void>();

  /** Noise done, peer known: allow-list, ban list, per-peer and per-IP budgets. */
  #denyEncrypted(peerId: PeerId, maConn: MultiaddrConnection): boolean {
    this.#releases.get(maConn)?.(); // no longer anonymous: the pending slot is free
    const peer = peerId.toString();
    if (this.#allowed.has(peer)) return false;
    if (this.isBanned(peer)) return true;
    const open = this.#connections();
    if (open.filter((c) => c.remotePeer.toString() === peer).length >= this.limits.connectionsPerPeer) return true;
    const host = hostOf(maConn.remoteAddr);
    const fromHost = open.filter((c) => hostOf(c.remoteAddr) === host && !this.#allowed.has(c.remotePeer.toString()));
    if (fromHost.length < this.limits.connectionsPerIp) return false;
    // Budget full: make room by closing this host's oldest connection without streams, if any.
    const idle = fromHost.find((c) => c.streams.length === 0);
    if (!idle) return true;
    void idle.close().catch(() => idle.abort(new Error("evicted")));
    return false;
  }
}
