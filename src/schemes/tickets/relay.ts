/**
 * Relay side of scheme B: every hop's slot carries one token bound to this
 * relay. Per packet: slot size, epoch (the packet's epoch or the one before,
 * the grace epoch), the local spent set, and the BLS check (batched). The
 * token is stored durably before the verdict resolves.
 */
import type { Address } from "viem";
import type { IncomingPacket, PacketVerdict, RelayScheme, SchemeDeps } from "../scheme.js";
import { forComponent, type Logger } from "../../log.js";
import { loadBlindBls } from "../../crypto/blind/bls.js";
import { resolveIssuer } from "./bank.js";
import { decodeSlot } from "./slot.js";
import { RelayTokenStore } from "./store.js";
import { BatchVerifier } from "./verifier.js";

export type TicketsRelayOptions = { maxBatch?: number; maxDelayMs?: number };

/** The tickets scheme at one relay. */
export class TicketsRelay implements RelayScheme {
  readonly #deps: SchemeDeps & { relay: Address };
  readonly #log: Logger;
  readonly #store: RelayTokenStore;
  readonly #options: TicketsRelayOptions;
  #verifier: BatchVerifier | undefined;
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
    this.#verifier = new BatchVerifier({ bls, relay: this.#deps.relay, domain: issuer.domain, publicKey: issuer.publicKey, ...this.#options });
    const pending = this.#store.byState("pending");
    if (pending.length > 0) {
      const verdicts = this.#verifier.verifyAll(pending);
      this.#store.setState(pending.filter((_, i) => verdicts[i]), "valid");
      this.#store.setState(pending.filter((_, i) => !verdicts[i]), "invalid");
      this.#log.info({ recovered: pending.length }, "re-verified pending tokens after restart");
    }
  }

  async stop(): Promise<void> {
    this.#verifier?.flush();
  }

  async onPacket(packet: IncomingPacket): Promise<PacketVerdict> {
    const verifier = this.#verifier;
    if (!verifier) return this.#reject("tickets: not started");
    let token;
    try {
      token = decodeSlot(packet.slot);
    } catch {
      return this.#reject("tickets: malformed slot");
    }
    if (token.epoch !== packet.epoch && token.epoch + 1n !== packet.epoch) return this.#reject("tickets: wrong epoch");
    if (!this.#store.claim(token.epoch, token.serial, token.signature)) return this.#reject("tickets: double spend");
    const valid = await verifier.check(token);
    this.#store.setState([token], valid ? "valid" : "invalid");
    return valid ? { accept: true, attachment: new Uint8Array(0) } : this.#reject("tickets: invalid token");
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
