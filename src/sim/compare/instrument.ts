/**
 * Instrumentation of one scheme for the comparison (docs/compare.md §Measured
 * how): a wrapper around the real `AccountingScheme` that changes nothing it
 * decides, and records
 * - the wall time of every relay-side payment call (`prepare`, `onPacket`,
 *   `receipt`, `onReceipt`) per relay: the relay CPU spent on payment work per packet-hop;
 * - the wall time of every client-side `pay` call and the bytes it produced;
 * - a transcript for the linking adversaries (docs/compare.md §Adversaries):
 *   what each relay sees of each packet (time, previous peer, next hop, the
 *   slot and attachment bytes the scheme put there, the receipts it gets
 *   back) and, as ground truth only, which packet it was (matched through
 *   the hop's Sphinx shared secret `ss`, which the sender derived and the
 *   relay recomputed). Nothing here depends on which scheme is wrapped.
 */
import { bytesToHex, type Address, type Hex } from "viem";
import type { AccountingScheme, ClientScheme, PacketKind, RelayScheme, SchemeDeps } from "../../schemes/scheme.js";

/** What one relay saw of one accepted packet (the adversary's view if it controls that relay). */
export type HopObservation = {
  /** ms since the run started. */
  t: number;
  relay: Address;
  /** libp2p peer id of the previous hop (a client's or a relay's node). */
  fromPeer: string;
  nextHop: Address | null;
  /** The payment bytes this relay sees: its own slot and the attachment that came with the frame. */
  slot: Uint8Array;
  attachment: Uint8Array;
  /** Header MAC naming the packet between the previous hop and this relay (receipts refer to it). */
  packetRef: Hex;
  /** Ground truth link, never given to an adversary: hex of this hop's `ss`. */
  ss: Hex;
};

/** A receipt one relay got back from the next hop for a packet it forwarded (`packetRef` is the forwarded packet's). */
export type ReceiptObservation = { t: number; relay: Address; fromPeer: string; packetRef: Hex; receipt: Uint8Array };

/** One packet a client (or a relay, for its loops) paid for; ground truth of the transcript. */
export type SentPacket = { t: number; sender: Address; kind: PacketKind; route: Address[]; ss: Hex[] };

/** Running sums of one relay's payment work. */
export type RelayPaymentWork = {
  accepted: number;
  onPacket: number;
  onPacketMs: number;
  receipt: number;
  receiptMs: number;
  onReceipt: number;
  onReceiptMs: number;
};

export class SchemeInstruments {
  readonly #start = performance.now();
  readonly relays = new Map<Address, RelayPaymentWork>();
  readonly observations: HopObservation[] = [];
  readonly receipts: ReceiptObservation[] = [];
  readonly sent: SentPacket[] = [];
  /** libp2p peer id of each client's node → its account (a client's connection, as its gateway sees it). */
  readonly clientPeers = new Map<string, Address>();
  /** Packets accepted by all relays so far (not capped; the hops denominator is read from it at the end of the workload). */
  accepted = 0;
  /** Client-side `pay` calls: count, wall time, hops paid, slot and attachment bytes produced. */
  readonly pay = { calls: 0, ms: 0, hops: 0, slotBytes: 0, attachmentBytes: 0 };
  /** The wrapped scheme's declared payment sizes (bytes). */
  sizes: { slot: number; attachment: number; receipt: number } | null = null;
  /** Transcripts are kept up to this many records each (memory bound on long runs). */
  readonly maxRecords: number;

  constructor({ maxRecords = 400_000 }: { maxRecords?: number } = {}) {
    this.maxRecords = maxRecords;
  }

  /** ms since this instrument was created. */
  now(): number {
    return performance.now() - this.#start;
  }

  /**
   * Wraps a scheme: same name, sizes and decisions, with every call measured.
   *
   * @param scheme the real scheme, as `loadScheme` returns it.
   * @returns the instrumented scheme, for `startNetwork({ wrapScheme })`.
   * @example
   * const inst = new SchemeInstruments();
   * await runDevnet({ …, network: { wrapScheme: (s) => inst.wrap(s) } });
   */
  wrap(scheme: AccountingScheme): AccountingScheme {
    this.sizes = { slot: scheme.slotSize, attachment: scheme.attachmentSize, receipt: scheme.receiptSize };
    return {
      name: scheme.name,
      slotSize: scheme.slotSize,
      attachmentSize: scheme.attachmentSize,
      receiptSize: scheme.receiptSize,
      ...(scheme.replyWindow === undefined ? {} : { replyWindow: scheme.replyWindow }),
      client: (deps) => this.#client(scheme.client(deps), deps),
      relay: (deps) => this.#relay(scheme.relay(deps), deps.relay),
      settle: (deps) => scheme.settle(deps),
    };
  }

  #client(inner: ClientScheme, deps: SchemeDeps): ClientScheme {
    this.clientPeers.set(deps.libp2p.peerId.toString(), deps.chain.account);
    return {
      pay: async (parameters) => {
        const t0 = performance.now();
        const payment = await inner.pay(parameters);
        this.pay.calls++;
        this.pay.ms += performance.now() - t0;
        this.pay.hops += payment.slots.length;
        this.pay.slotBytes += payment.slots.reduce((s, x) => s + x.length, 0);
        this.pay.attachmentBytes += payment.attachment.length;
        if (this.sent.length < this.maxRecords)
          this.sent.push({
            t: this.now(),
            sender: deps.chain.account,
            kind: parameters.kind,
            route: parameters.route.map((h) => h.relay),
            ss: parameters.secrets.map((s) => bytesToHex(s)),
          });
        return payment;
      },
      ...(inner.payReply && { payReply: inner.payReply.bind(inner) }),
    };
  }

  #relay(inner: RelayScheme, relay: Address): RelayScheme {
    const work: RelayPaymentWork = {
      accepted: 0,
      onPacket: 0,
      onPacketMs: 0,
      receipt: 0,
      receiptMs: 0,
      onReceipt: 0,
      onReceiptMs: 0,
    };
    this.relays.set(relay, work);
    return {
      start: () => inner.start(),
      stop: () => inner.stop(),
      onEpoch: (epoch) => inner.onEpoch(epoch),
      // Work a scheme does before the packet's group commit (chain reads, batched checks) is payment work too.
      ...(inner.prepare && {
        prepare: async (packet: Parameters<NonNullable<RelayScheme["prepare"]>>[0]) => {
          const t0 = performance.now();
          try {
            await inner.prepare!(packet);
          } finally {
            work.onPacketMs += performance.now() - t0;
          }
        },
      }),
      onPacket: async (packet) => {
        const t0 = performance.now();
        const verdict = await inner.onPacket(packet);
        work.onPacket++;
        work.onPacketMs += performance.now() - t0;
        if (verdict.accept) {
          this.accepted++;
          work.accepted++;
        }
        if (verdict.accept && this.observations.length < this.maxRecords)
          this.observations.push({
            t: this.now(),
            relay,
            fromPeer: packet.fromPeer,
            nextHop: packet.nextHop,
            slot: packet.slot.slice(),
            attachment: packet.attachment.slice(),
            packetRef: bytesToHex(packet.packetRef),
            ss: bytesToHex(packet.ss),
          });
        return verdict;
      },
      receipt: (parameters) => {
        const t0 = performance.now();
        const bytes = inner.receipt(parameters);
        work.receipt++;
        work.receiptMs += performance.now() - t0;
        return bytes;
      },
      onReceipt: async (parameters) => {
        const t0 = performance.now();
        await inner.onReceipt(parameters);
        work.onReceipt++;
        work.onReceiptMs += performance.now() - t0;
        if (this.receipts.length < this.maxRecords)
          this.receipts.push({
            t: this.now(),
            relay,
            fromPeer: parameters.fromPeer,
            packetRef: bytesToHex(parameters.packetRef),
            receipt: parameters.receipt.slice(),
          });
      },
    };
  }
}
