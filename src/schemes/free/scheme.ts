/**
 * The `free` accounting scheme: pays nothing and carries no payment bytes
 * (slot, attachment and receipt are all empty). It is the reference the paid
 * schemes follow: the relay pipeline runs exactly the same steps under it, so
 * benchmarks and tests of the mixnet itself use it as the zero-cost baseline.
 */
import type {
  AccountingScheme,
  ClaimResult,
  ClientPayment,
  ClientPaymentParameters,
  ClientScheme,
  IncomingPacket,
  PacketVerdict,
  RelayScheme,
  SchemeDeps,
  SettleScheme,
} from "../scheme.js";
import type { Address } from "viem";
import { InvalidInputError } from "../../errors.js";

const EMPTY = new Uint8Array(0);

class FreeClient implements ClientScheme {
  /** One empty slot per hop and an empty attachment. */
  async pay({ route, secrets }: ClientPaymentParameters): Promise<ClientPayment> {
    if (!Array.isArray(route) || route.length === 0) throw new InvalidInputError("route", "must list at least one hop");
    if (secrets.length !== route.length)
      throw new InvalidInputError("secrets", `must have one secret per hop (${route.length}), got ${secrets.length}`);
    return { slots: route.map(() => EMPTY), attachment: EMPTY };
  }
}

class FreeRelay implements RelayScheme {
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  /** Accepts any packet whose payment fields are empty, as the scheme defines them. */
  async onPacket({ slot, attachment }: IncomingPacket): Promise<PacketVerdict> {
    if (slot.length !== 0) return { accept: false, reason: "free: non-empty slot" };
    if (attachment.length !== 0) return { accept: false, reason: "free: non-empty attachment" };
    return { accept: true, attachment: EMPTY };
  }
  receipt(): Uint8Array {
    return EMPTY;
  }
  async onReceipt(): Promise<void> {}
  async onEpoch(): Promise<void> {}
}

class FreeSettle implements SettleScheme {
  constructor(private readonly relay: Address) {}
  /** Nothing was earned, so nothing is paid and no transaction is sent. */
  async claim(): Promise<ClaimResult> {
    return { scheme: "free", relay: this.relay, paid: 0n, gasUsed: 0n, transactions: [], details: {} };
  }
}

/**
 * The free scheme.
 *
 * @example
 * const free = await loadScheme("free");
 * const relayScheme = free.relay({ ...deps, relay: "0x…" });
 */
export const scheme: AccountingScheme = {
  name: "free",
  slotSize: 0,
  attachmentSize: 0,
  receiptSize: 0,
  client: (_deps: SchemeDeps) => new FreeClient(),
  relay: (_deps: SchemeDeps & { relay: Address }) => new FreeRelay(),
  settle: (deps: SchemeDeps & { relay: Address }) => new FreeSettle(deps.relay),
};
