/**
 * Relay side of scheme B: every hop's slot carries one token bound to this
 * relay. Per packet: slot size, epoch (within one epoch of the relay's view:
 * see {@link checkToken}), the local spent set, and the BLS check (batched).
 * The token is stored durably before the verdict resolves.
 */
import { bytesToHex, type Address } from "viem";
import type { IncomingPacket, PacketVerdict, RelayScheme, SchemeDeps } from "../scheme.js";
import { forComponent, type Logger } from "../../log.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { resolveIssuer } from "./bank.js";
import { EPOCH_GRACE } from "./constants.js";
import { decodeSlot } from "./slot.js";
import { RelayTokenStore } from "./store.js";
import { BatchVerifier } from "./verifier.js";

/** Verdicts `prepare` keeps for packets still on their way to `onPacket` (a few batches' worth). */
const MAX_PREPARED = 4_096;

export type TicketsRelayOptions = { maxBatch?: number; maxDelayMs?: number };

/** Why a token was refused (the relay's reject reasons). */
export type TokenRefusal =
  | "tickets: malformed slot"
  | "tickets: wrong epoch"
  | "tickets: double spend"
  | "tickets: invalid token";

/**
 * The per-packet check: slot size, epoch window, local spent set, batched BLS
 * check, verdict stored. Exported so the fuzzers drive exactly this code.
 *
 * Epoch window: `packetEpoch` is the relay's view, polled from the chain (every
 * 2 s, updated only after the relay opened the epoch and re-read the
 * directory), so it lags the chain. A token of `packetEpoch − 1` is a packet
 * built before the boundary (grace); a token of `packetEpoch + 1` is a client
 * that read the chain's new epoch before this relay did. Refusing the latter
 * lost the first message of the operator walk while `obol send` exited 0
 * (issue 17; test/schemes/tickets/epoch-boundary.test.ts). Accepting it early
 * costs nothing: the token stays bound to its own epoch for the spent set,
 * redemption and the lottery beacon (drawn from epoch e+3 on for it).
 *
 * @param checked the slot's BLS verdict when it was started already (the relay's `prepare`)
 * @returns null when the token is accepted, else the refusal reason
 * @example
 * const refusal = await checkToken(store, verifier, packet.slot, packet.epoch);
 */
export async function checkToken(
  store: RelayTokenStore,
  verifier: BatchVerifier,
  slot: Uint8Array,
  packetEpoch: bigint,
  checked?: Promise<boolean>,
): Promise<TokenRefusal | null> {
  let token;
  try {
    token = decodeSlot(slot);
  } catch {
    return "tickets: malformed slot";
  }
  if (token.epoch + EPOCH_GRACE < packetEpoch || token.epoch > packetEpoch + EPOCH_GRACE) return "tickets: wrong epoch";
  if (!store.claim(token.epoch, token.serial, token.signature)) return "tickets: double spend";
  // `checked`: this slot's BLS verdict, started outside the relay's group commit (TicketsRelay.prepare).
  const valid = await (checked ?? verifier.check(token));
  store.setState([token], valid ? "valid" : "invalid");
  return valid ? null : "tickets: invalid token";
}

/** The tickets scheme at one relay. */
export class TicketsRelay implements RelayScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #log: Logger;
  readonly #store: RelayTokenStore;
  readonly #options: TicketsRelayOptions;
  #verifier: BatchVerifier | undefined;
  /** BLS verdicts `prepare` started, by slot, for `onPacket` to take (bounded: a dropped packet's entry ages out). */
  readonly #checked = new Map<string, Promise<boolean>>();
  /** Reasons of rejected packets, counted. */
  readonly rejected: Record<string, number> = {};

  constructor(deps: SchemeDeps & { relay: Address }, options: TicketsRelayOptions = {}) {
    this.#deps = deps;
    this.#log = forComponent(deps.log, "obol:tickets:relay");
    this.#store = new RelayTokenStore(deps.db);
    this.#options = options;
  }

  /** Loads the issuer key and re-verifies tokens a crash left pending. */
  async start(): Promise<void> {
    const [bls, issuer] = await Promise.all([loadBlindBls(), resolveIssuer(this.#deps.chain, this.#deps.db)]);
    this.#verifier = new BatchVerifier({
      bls,
      relay: this.#deps.relay,
      domain: issuer.domain,
      publicKey: issuer.publicKey,
      ...this.#options,
    });
    const pending = this.#store.byState("pending");
    if (pending.length > 0) {
      const verdicts = this.#verifier.verifyAll(pending);
      this.#store.setState(
        pending.filter((_, i) => verdicts[i]),
        "valid",
      );
      this.#store.setState(
        pending.filter((_, i) => !verdicts[i]),
        "invalid",
      );
      this.#log.info({ recovered: pending.length }, "re-verified pending tokens after restart");
    }
  }

  async stop(): Promise<void> {
    this.#verifier?.flush();
  }

  /** BLS checks batches so far (each pairing is shared by one batch). */
  get batches(): number {
    return this.#verifier?.checks ?? 0;
  }

  /**
   * Starts the slot's BLS check before the packet's group commit. The commit runs
   * one packet at a time and `onPacket` awaits inside it, so a check started there
   * would always be alone in its batch and pay a whole pairing; started here,
   * packets arriving together share one. Writes nothing: `onPacket` claims the
   * token and records the verdict durably.
   */
  async prepare(packet: Pick<IncomingPacket, "slot" | "epoch">): Promise<void> {
    const verifier = this.#verifier;
    if (!verifier) return;
    let token;
    try {
      token = decodeSlot(packet.slot);
    } catch {
      return; // onPacket refuses it
    }
    if (token.epoch + EPOCH_GRACE < packet.epoch || token.epoch > packet.epoch + EPOCH_GRACE) return;
    const key = bytesToHex(packet.slot);
    let verdict = this.#checked.get(key);
    if (!verdict) {
      verdict = verifier.check(token);
      this.#checked.set(key, verdict);
      if (this.#checked.size > MAX_PREPARED) this.#checked.delete(this.#checked.keys().next().value!);
    }
    await verdict;
  }

  async onPacket(packet: IncomingPacket): Promise<PacketVerdict> {
    const verifier = this.#verifier;
    if (!verifier) return this.#reject("tickets: not started");
    const key = bytesToHex(packet.slot);
    const checked = this.#checked.get(key);
    this.#checked.delete(key);
    const refusal = await checkToken(this.#store, verifier, packet.slot, packet.epoch, checked);
    return refusal === null ? { accept: true, attachment: new Uint8Array(0) } : this.#reject(refusal);
  }

  receipt(): Uint8Array {
    return new Uint8Array(0);
  }

  async onReceipt(): Promise<void> {}

  async onEpoch(): Promise<void> {}

  #reject(reason: string): PacketVerdict {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    this.#log.debug({ reason }, "packet rejected");
    return { accept: false, reason };
  }
}
