/**
 * The loop sender / auditor (docs/shopper.md §Auditor): during epoch e it
 * sends up to jMax verifiable cover loops, each at a time its VRF output fixes
 * (each stored durably before it is sent), each delivered to its own mailbox at
 * the loop's exit gateway; it pulls those mailboxes like a client; in e+2 it
 * fixes the beacon and reveals its winners; it collects the hops' inclusion
 * proofs over `/obol/proof/1` and submits them; in e+3 it reports the revealed
 * loops it never found in its mailbox; from e+4 it finalizes. Relays run it
 * for their own loops; any registered key holder can.
 */
import { bytesToHex, encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import type { Libp2p } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { DatabaseSync } from "node:sqlite";
import type { ChainClients } from "../../chain/types.js";
import { shopperAuditAbi } from "../../chain/abi/ShopperAudit.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { inTurn, sendContractTx } from "../../chain/tx.js";
import { ContractRevertError } from "../../chain/errors.js";
import { forComponent, type Logger } from "../../log.js";
import type { SphinxParams } from "../../crypto/sphinx/params.js";
import { vrfProve } from "../../crypto/vrf/bls.js";
import type { RouteHop } from "../scheme.js";
import { buildLoop, loopInput, loopMessage, loopPullKey, loopSendOffsetMs } from "./loop.js";
import { mailboxId } from "../../net/inbox.js";
import { unframeMessage } from "../../crypto/sphinx/body.js";
import { currentEpoch, epochInfo, epochStart } from "../../chain/epochs.js";
import { claim5, loopLayers, shopperAddress } from "./chain.js";
import { requestProof } from "./proofs.js";
import { ShopperStore, type StoredLoop } from "./store.js";
import { FINALIZE_OFFSET, LOOP_HOPS, PROOF_LAST_OFFSET, REVEAL_OFFSET } from "./constants.js";
import { sleep } from "../../sleep.js";

export type AuditorParameters = {
  chain: ChainClients;
  db: DatabaseSync;
  log: Logger;
  /** The sender's VRF secret key; its public key is the sender's registry blsKey. */
  vrfSecretKey: Uint8Array;
  params: SphinxParams;
  /** Mean per-hop delay of loops (1/μ), ms; same as the network's other traffic. */
  meanDelayMs: number;
  /** Hands a built packet to the first hop (the relay's or client's normal send path). */
  send(packet: Uint8Array, firstHop: RouteHop): Promise<void>;
  /**
   * Pulls the mailbox of `pullKey` at `gateway` over the auditor's client-like link, as a client pulls
   * its inbox; resolves with every stored Sphinx body it held. Without it the auditor never learns
   * whether its loops were delivered, so it never reports a delivery missing.
   */
  pull?(gateway: Address, pullKey: Uint8Array): Promise<Uint8Array[]>;
  /** Used to fetch proofs from relays; when absent, relays are expected to prove their own hops. */
  libp2p?: Libp2p;
  /**
   * No loop is sent within this long of either end of an epoch (default 3 s):
   * relays cache the current epoch for up to 2 s, and a loop they file under
   * another epoch would be missing from the audited epoch's root.
   */
  guardMs?: number;
  /**
   * Length of the stretch over which loops are spread (default: the whole
   * epoch, from its start by chain time). When set, the stretch starts when
   * `sendLoops` is called. Only a dev chain that is advanced by hand, far
   * faster than its epochs, sets it; on a live network a shorter window is
   * exactly the burst a strategic dropper looks for (issue 11, finding 1).
   */
  spreadMs?: number;
  /** Times the sends (default: the wall clock); tests pass a virtual one. */
  clock?: AuditorClock;
};

/** The auditor's time source: `now()` in ms and a sleep of `ms` (≤ 0: none). */
export type AuditorClock = { now(): number; sleep(ms: number): Promise<void> };

const realClock = (signal?: AbortSignal): AuditorClock => ({
  now: () => Date.now(),
  sleep: (ms) => sleep(Math.max(0, ms), signal),
});

export class Auditor {
  readonly store: ShopperStore;
  readonly #p: AuditorParameters;
  readonly #log: Logger;

  constructor(p: AuditorParameters) {
    this.#p = p;
    this.store = new ShopperStore(p.db);
    this.#log = forComponent(p.log, "obol:shopper:auditor");
  }

  /**
   * Computes the VRF proofs of loops 0 … count−1 of `epoch` (never more than
   * jMax) ahead of the epoch: they depend on the epoch's number only, and
   * their outputs fix the loops' send times, so `sendLoops` need not spend the
   * epoch's first seconds on them (on a loaded node, seconds during which no
   * loop could go out while user packets do: issue 11, the comparison's E3).
   * Idempotent; `sendLoops` computes what was not prepared.
   */
  async prepareLoops(epoch: bigint, count?: number): Promise<void> {
    const { jMax } = await this.#constants();
    await this.#loopsOf(epoch, Math.min(count ?? jMax, jMax));
  }

  /** jMax and the epoch schedule: both fixed at deployment, read once. */
  #constants(): Promise<{ jMax: number; info: Awaited<ReturnType<typeof epochInfo>> }> {
    const { chain } = this.#p;
    this.#fixed ??= Promise.all([
      chain.publicClient.readContract({ address: shopperAddress(chain), abi: shopperAuditAbi, functionName: "jMax" }),
      epochInfo(chain),
    ]).then(([jMax, info]) => ({ jMax, info }));
    this.#fixed.catch(() => {
      this.#fixed = undefined;
    });
    return this.#fixed;
  }
  #fixed: Promise<{ jMax: number; info: Awaited<ReturnType<typeof epochInfo>> }> | undefined;
  readonly #prepared = new Map<
    bigint,
    { n: number; loops: Promise<{ j: number; proof: Uint8Array; output: Uint8Array }[]> }
  >();

  /** The VRF proofs of loops 0 … n−1 of `epoch`, computed once (yielding between proofs, so relays keep forwarding). */
  async #loopsOf(epoch: bigint, n: number): Promise<{ j: number; proof: Uint8Array; output: Uint8Array }[]> {
    const { chain } = this.#p;
    const cached = this.#prepared.get(epoch);
    if (cached && cached.n >= n) return (await cached.loops).slice(0, n);
    const made = (async () => {
      const shopper = shopperAddress(chain);
      const chainId = chain.publicClient.chain.id;
      const out: { j: number; proof: Uint8Array; output: Uint8Array }[] = [];
      for (let j = 0; j < n; j++) {
        out.push({
          j,
          ...vrfProve(this.#p.vrfSecretKey, loopInput({ chainId, shopper, sender: chain.account, epoch, index: j })),
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    })();
    made.catch(() => this.#prepared.delete(epoch));
    this.#prepared.set(epoch, { n, loops: made });
    for (const e of this.#prepared.keys()) if (e < epoch - 1n) this.#prepared.delete(e);
    return made;
  }

  /**
   * Sends loops 0 … count−1 of `epoch` (never more than jMax), each at the
   * time its VRF output fixes (`loopSendOffsetMs`): spread over the whole
   * epoch, so a relay cannot pick loops out by when they arrive (issue 11,
   * finding 1). Resolves once the last one is sent, near the epoch's end:
   * callers run it beside their epoch loop, not inside it.
   * Times count from the epoch's start: by chain time, or with `spreadMs` from
   * `seenAt` (when the caller saw the epoch begin; default: now), never from
   * when this call's own chain reads are done (the comparison's first loops
   * reached a mix 3–7 s into the epoch that way, a loop-free start E3 found:
   * issue 11).
   * A loop whose time has passed when this is called (a late start or a
   * restart), or that is more than one mean hop delay late when its route
   * could be built (the epoch's layers, read meanwhile), is skipped, never
   * sent late: a burst of late loops would stand out. A timer that fires late
   * (a busy process) still sends its loop. A loop is stored just before
   * it is sent, so a restart never exceeds the cap; the epoch is re-read before
   * each send and loops stop when it moved.
   *
   * @param options.signal stops the schedule (no loop is sent after it aborts)
   * @param options.seenAt with `spreadMs`: the clock's time (`clock.now()`) when the caller saw the epoch begin
   * @returns number of loops sent now
   */
  async sendLoops(
    epoch: bigint,
    count?: number,
    { signal, seenAt }: { signal?: AbortSignal; seenAt?: number } = {},
  ): Promise<number> {
    const { chain } = this.#p;
    const clock = this.#p.clock ?? realClock(signal);
    const calledAt = seenAt ?? clock.now();
    const guardMs = this.#p.guardMs ?? 3_000;
    // The epoch's layers (its seed, its members' keys) exist only from its start: read them while the first loop waits.
    let layersAt = Number.POSITIVE_INFINITY;
    const layersRead = loopLayers(chain, epoch).then((layers) => {
      layersAt = clock.now();
      return layers;
    });
    layersRead.catch(() => {});
    const { info, jMax } = await this.#constants();
    const loops = await this.#loopsOf(epoch, Math.min(count ?? jMax, jMax));
    const epochMs = Math.min(Number(info.duration) * 1000, this.#p.spreadMs ?? Number.POSITIVE_INFINITY);
    // Chain time says how far into the epoch we are; the local clock times the sends from here.
    // A devnet window starts when the caller saw the epoch: its chain clock runs ahead under bursts of blocks.
    let startedAt: number;
    let elapsedMs: number;
    if (this.#p.spreadMs !== undefined) {
      startedAt = calledAt;
      elapsedMs = Math.max(0, clock.now() - startedAt);
    } else {
      const block = await chain.publicClient.getBlock({ blockTag: "latest" });
      elapsedMs = Math.max(0, Number(block.timestamp - epochStart(info, epoch)) * 1000);
      startedAt = clock.now() - elapsedMs;
    }
    const stored = new Set(this.store.loopsOf(epoch).map((l) => l.index));
    const plan = loops
      .filter((l) => !stored.has(l.j))
      .map((l) => ({ ...l, at: loopSendOffsetMs(l.output, epochMs, guardMs) }))
      .filter((l) => l.at >= elapsedMs)
      .sort((a, b) => a.at - b.at);
    let sent = 0;
    let late = 0;
    for (const { j, at, proof, output } of plan) {
      await clock.sleep(startedAt + at - clock.now());
      if (signal?.aborted || (await currentEpoch(chain)) !== epoch) break;
      const layers = await layersRead;
      // Only the wait for the route skips a loop; a timer that fires late (a busy process) still sends it.
      if (layersAt - (startedAt + at) > this.#p.meanDelayMs) {
        late++;
        continue;
      }
      const loop = buildLoop({
        beta: output,
        layers,
        params: this.#p.params,
        meanDelayMs: this.#p.meanDelayMs,
        mailbox: (exit) => mailboxId(loopPullKey(this.#p.vrfSecretKey, epoch, exit)),
      });
      this.store.addLoop({
        epoch,
        index: j,
        beta: output,
        proof,
        tags: loop.tags,
        headers: loop.headers,
        route: loop.route.map((h) => h.relay),
      });
      try {
        await this.#p.send(loop.packet, loop.route[0]!);
      } catch (error) {
        // One unreachable gateway must not stop the rest of the epoch's schedule; the loop stays unsent.
        this.#log.warn({ epoch, index: j, gateway: loop.route[0]!.relay, err: error }, "sending a loop failed");
        continue;
      }
      this.store.setLoopState(epoch, j, "sent");
      sent++;
    }
    this.#log.info({ epoch, sent, planned: plan.length, late, elapsedMs, epochMs }, "sent verifiable loops");
    return sent;
  }

  /**
   * Requests and fixes the beacon of `epoch` (idempotent). Several auditors
   * race for it, so every failure is answered by re-reading the chain.
   */
  async ensureBeacon(epoch: bigint, { timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<Hex> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const read = () =>
      chain.publicClient.readContract({ address, abi: shopperAuditAbi, functionName: "beaconOf", args: [epoch] });
    const fixed = (b: Hex) => !/^0x0+$/.test(b);
    const deadline = Date.now() + timeoutMs;
    let beacon = await read();
    while (!fixed(beacon) && Date.now() < deadline) {
      await sendContractTx(
        chain,
        { address, abi: shopperAuditAbi, functionName: "requestBeacon", args: [epoch] },
        "request beacon",
      ).catch(() => {});
      await sendContractTx(
        chain,
        { address, abi: shopperAuditAbi, functionName: "fixBeacon", args: [epoch] },
        "fix beacon",
      ).catch(() => {});
      beacon = await read();
      if (fixed(beacon)) break;
      // The requested block is not mined yet: on an idle dev chain, mine one by a self-transfer.
      const hash = await inTurn(chain, () =>
        chain.walletClient.sendTransaction({
          to: chain.account,
          value: 0n,
          account: chain.walletClient.account,
          chain: chain.publicClient.chain,
        }),
      );
      await chain.publicClient.waitForTransactionReceipt({ hash });
      beacon = await read();
    }
    return beacon;
  }

  /**
   * Reveals every sent loop of `epoch` that wins (call while the current epoch is epoch + 2).
   *
   * @returns audit ids of the revealed loops
   */
  async revealWinners(epoch: bigint): Promise<Hex[]> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const ids: Hex[] = [];
    if (!this.store.loopsOf(epoch).some((l) => l.state === "sent")) return ids;
    await this.ensureBeacon(epoch);
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "sent") continue;
      const wins = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "isWinner",
        args: [epoch, bytesToHex(loop.beta)],
      });
      if (!wins) {
        this.store.setLoopState(epoch, loop.index, "lost");
        continue;
      }
      const auditId = await this.#revealOne(address, loop);
      if (auditId) ids.push(auditId);
    }
    this.#log.info({ epoch, revealed: ids.length }, "revealed winning loops");
    return ids;
  }

  async #revealOne(address: Address, loop: StoredLoop): Promise<Hex | null> {
    const { chain } = this.#p;
    try {
      await sendContractTx(
        chain,
        {
          address,
          abi: shopperAuditAbi,
          functionName: "reveal",
          args: [chain.account, loop.epoch, loop.index, bytesToHex(loop.proof), claim5(loop.tags, loop.headers)],
        },
        "reveal loop",
      );
    } catch (error) {
      if (revertName(error) !== "ShopperAuditAlreadyRevealed") {
        this.#log.warn({ epoch: loop.epoch, index: loop.index, err: error }, "reveal failed");
        return null;
      }
    }
    const auditId = auditIdOf(chain.account, loop.epoch, loop.index);
    this.store.setLoopState(loop.epoch, loop.index, "revealed", auditId);
    return auditId;
  }

  /**
   * Fetches missing hops' proofs from the relays over `/obol/proof/1` and submits them.
   *
   * @returns number of hops proven by this call
   */
  async collectProofs(epoch: bigint): Promise<number> {
    const { chain, libp2p } = this.#p;
    if (!libp2p) return 0;
    const address = shopperAddress(chain);
    let proven = 0;
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId) continue;
      const audit = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (audit.status !== 1) continue;
      const hops: number[] = [];
      const proofs: Hex[][] = [];
      for (let h = 0; h < 5; h++) {
        if (((audit.provenMask >> h) & 1) === 1) continue;
        const info = await chain.publicClient.readContract({
          address: chain.deployment.contracts.RelayRegistry,
          abi: relayRegistryAbi,
          functionName: "relayInfo",
          args: [loop.route[h]!],
        });
        const proof = await requestProof(libp2p, multiaddr(info.multiaddr), { epoch, tag: loop.tags[h]! }).catch(
          () => null,
        );
        if (!proof) continue;
        hops.push(h);
        proofs.push(proof.map((p) => bytesToHex(p)));
      }
      if (hops.length === 0) continue;
      try {
        await sendContractTx(
          chain,
          {
            address,
            abi: shopperAuditAbi,
            functionName: "proveHops",
            args: [loop.auditId, claim5(loop.tags, loop.headers), hops, proofs],
          },
          "prove hops",
        );
        proven += hops.length;
      } catch (error) {
        this.#log.warn(
          { auditId: loop.auditId, err: error },
          "submitting proofs failed (a relay may have proven meanwhile)",
        );
      }
    }
    return proven;
  }

  /**
   * Pulls this epoch's mailbox at every exit its loops of `epoch` went to and
   * records which loops arrived (recognised by their message, `loopMessage`).
   * Pulling removes what it returns, so the record is durable before the next pull.
   *
   * @returns number of loops of `epoch` found delivered so far
   */
  async pullDeliveries(epoch: bigint): Promise<number> {
    const { pull, vrfSecretKey } = this.#p;
    const loops = this.store.loopsOf(epoch).filter((l) => l.state !== "built");
    if (!pull) return 0;
    const waiting = new Map<string, typeof loops>();
    for (const l of loops) {
      if (this.store.isDelivered(epoch, l.index)) continue;
      const exit = l.route[LOOP_HOPS - 1]!;
      waiting.set(exit, [...(waiting.get(exit) ?? []), l]);
    }
    for (const [exit, mine] of waiting) {
      let bodies: Uint8Array[];
      try {
        bodies = await pull(exit as Address, loopPullKey(vrfSecretKey, epoch, exit as Address));
      } catch (error) {
        this.#log.warn({ epoch, exit, err: error }, "pulling a loop mailbox failed; will pull again");
        continue;
      }
      const messages = bodies.map((b) => unframeMessage(b)).filter((m) => m instanceof Uint8Array);
      for (const l of mine) {
        const expected = Buffer.from(loopMessage(l.beta));
        if (messages.some((m) => expected.equals(m))) this.store.markDelivered(epoch, l.index);
      }
    }
    return loops.filter((l) => this.store.isDelivered(epoch, l.index)).length;
  }

  /**
   * Reports each revealed, still open loop of `epoch` that never reached its
   * mailbox (call while the current epoch is epoch + 3, the last of the proof
   * window: every pull until then counts, so a late pull never faults an exit
   * that delivered). Pulls once more first; without a `pull` port it reports nothing.
   *
   * @returns audit ids reported
   */
  async reportUndelivered(epoch: bigint): Promise<Hex[]> {
    const { chain } = this.#p;
    const out: Hex[] = [];
    if (!this.#p.pull) return out;
    await this.pullDeliveries(epoch);
    const address = shopperAddress(chain);
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId || this.store.isDelivered(epoch, loop.index)) continue;
      const audit = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (audit.status !== 1 || (audit.provenMask & 0x20) !== 0) continue;
      try {
        await sendContractTx(
          chain,
          {
            address,
            abi: shopperAuditAbi,
            functionName: "reportUndelivered",
            args: [loop.auditId, claim5(loop.tags, loop.headers)],
          },
          "report undelivered loop",
        );
        out.push(loop.auditId);
      } catch (error) {
        this.#log.warn({ auditId: loop.auditId, err: error }, "reporting an undelivered loop failed");
      }
    }
    if (out.length) this.#log.warn({ epoch, reported: out.length }, "loops missing from their exit mailboxes");
    return out;
  }

  /**
   * Finalizes the revealed loops of `epoch` (current epoch ≥ epoch + 4).
   *
   * @returns statuses by audit id (2 paid, 3 broken)
   */
  async finalize(epoch: bigint): Promise<Map<Hex, number>> {
    const { chain } = this.#p;
    const address = shopperAddress(chain);
    const out = new Map<Hex, number>();
    for (const loop of this.store.loopsOf(epoch)) {
      if (loop.state !== "revealed" || !loop.auditId) continue;
      const before = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      if (before.status === 1)
        await sendContractTx(
          chain,
          { address, abi: shopperAuditAbi, functionName: "finalize", args: [loop.auditId] },
          "finalize audit",
        );
      const after = await chain.publicClient.readContract({
        address,
        abi: shopperAuditAbi,
        functionName: "audit",
        args: [loop.auditId],
      });
      this.store.setLoopState(epoch, loop.index, "finalized");
      out.set(loop.auditId, after.status);
    }
    return out;
  }

  /**
   * Everything due on entering `epoch`: reveal e−2 (and collect), collect e−3 and report its undelivered
   * loops, finalize e−4, then pull e−1's mailboxes (last: pulls have no deadline before e+3, the
   * chain steps do).
   */
  async onEpoch(epoch: bigint): Promise<void> {
    if (epoch >= REVEAL_OFFSET) {
      await this.revealWinners(epoch - REVEAL_OFFSET);
      await this.collectProofs(epoch - REVEAL_OFFSET);
    }
    if (epoch >= PROOF_LAST_OFFSET) {
      await this.collectProofs(epoch - PROOF_LAST_OFFSET);
      await this.reportUndelivered(epoch - PROOF_LAST_OFFSET);
    }
    if (epoch >= FINALIZE_OFFSET) await this.finalize(epoch - FINALIZE_OFFSET);
    if (epoch >= 1n) await this.pullDeliveries(epoch - 1n);
  }
}

/**
 * keccak256(abi.encode(sender, epoch, index)), as the contract names audits.
 *
 * @example
 * const id = auditIdOf(relay, 3n, 0);
 */
export function auditIdOf(sender: Address, epoch: bigint, index: number): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "uint64" }, { type: "uint32" }], [sender, epoch, index]),
  );
}

/** Name of the custom error a `sendContractTx` call reverted with, if any. */
function revertName(error: unknown): string | undefined {
  return error instanceof ContractRevertError ? error.errorName : undefined;
}
