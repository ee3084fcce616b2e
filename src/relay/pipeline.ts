/**
 * The per-packet relay pipeline (DESIGN §4, docs/relay.md §Pipeline), without
 * any networking so it can be tested and benchmarked in-process:
 *
 *   shared secret → replay pre-check → peel → hop checks (delay cap, next hop
 *   known) → durable commit { replay tag, scheme.onPacket, inbox } → outcome
 *
 * A packet refused after its replay tag is known (peel or hop check) is shown to
 * `scheme.onRefused` with its header, so a sender who built a hop to be refused
 * can be proven to have done so (docs/shopper.md §Malformed hops).
 *
 * The durable commit holds the replay tag, the scheme's credit and (for
 * `deliver`) the inbox row in one transaction, and the outcome is returned
 * only after it committed, so nothing is forwarded or acknowledged before it
 * is on disk. Every rejection is returned as a drop with its reason; this
 * function throws only for bugs outside the inputs' control.
 */
import type { Address } from "viem";
import { getAddress } from "viem";
import { SphinxMacError } from "../crypto/sphinx/errors.js";
import { sharedSecret } from "../crypto/sphinx/header.js";
import { peelPacket, replayTag, type PeeledPacket } from "../crypto/sphinx/packet.js";
import type { SphinxGroup } from "../crypto/sphinx/group.js";
import { headerMac, headerSize, type SphinxParams } from "../crypto/sphinx/params.js";
import type { RelayScheme } from "../schemes/scheme.js";
import type { GroupCommitter } from "../store/commit.js";
import type { InboxStore } from "../store/inbox.js";
import type { ReplayStore } from "../store/replay.js";
import type { Logger } from "../log.js";
import { DropReason, reasonOf } from "./drops.js";

/** What the pipeline decided for one packet. */
export type PipelineOutcome =
  | { kind: "drop"; reason: DropReason; detail?: string }
  | {
      kind: "forward";
      next: Address;
      packet: Uint8Array;
      attachment: Uint8Array;
      /** The scheme's hook that makes the attachment as the packet leaves the delay queue. */
      onward?: (() => Promise<Uint8Array>) | undefined;
      delayMs: number;
      /** MAC of the outgoing header: how the next hop's receipt names it. */
      nextRef: Uint8Array;
      receipt: ReceiptToSend;
      /** This hop's replay tag (a mix recognises its own loop passing through). */
      replayTag: Uint8Array;
    }
  | { kind: "deliver" | "loop" | "drop-hop"; receipt: ReceiptToSend; replayTag: Uint8Array };

export type ReceiptToSend = { packetRef: Uint8Array; receipt: Uint8Array };

export type PipelineParameters = {
  group: SphinxGroup;
  params: SphinxParams;
  /** This relay's X25519 mix secret key. */
  secretKey: Uint8Array;
  /**
   * Keys in force when the relay rotates its mix key per epoch (rotation.ts):
   * tried in order, the next one only when the header MAC fails under the
   * previous; `secretKey` is ignored when given. `tagEpoch` is the epoch the
   * replay tag is filed under when later than the packet's arrival epoch
   * (a packet for next epoch's key must outlive this epoch's pruning).
   */
  mixKeys?: { active(): readonly { secretKey: Uint8Array; tagEpoch?: bigint }[] };
  scheme: RelayScheme;
  replay: ReplayStore;
  committer: GroupCommitter;
  /** Present on gateways; `deliver` hops elsewhere are dropped as bad hops. */
  inbox: InboxStore | null;
  /** Sender-chosen delays above this are refused. */
  maxDelayMs: number;
  /** Whether `address` is in the current directory (forward targets must be). */
  knowsRelay: (address: Address) => boolean;
  log: Logger;
};

export type PacketInput = {
  packet: Uint8Array;
  attachment: Uint8Array;
  fromPeer: string;
  epoch: bigint;
};

/**
 * Runs one packet through the pipeline.
 *
 * @param p the relay's fixed context
 * @param input the packet frame's fields, the sender's peer id and the current epoch
 * @returns the outcome; a "drop" names its reason
 * @example
 * const outcome = await processPacket(context, { packet, attachment, fromPeer, epoch });
 * if (outcome.kind === "forward") queue.push(outcome, outcome.delayMs);
 */
export async function processPacket(p: PipelineParameters, input: PacketInput): Promise<PipelineOutcome> {
  let peeled: PeeledPacket | undefined;
  let tagEpoch = input.epoch;
  const header = input.packet.subarray(0, headerSize(p.group, p.params.routingInfoSize));
  let tag: Uint8Array | null = null;
  // A refusal after the tag is known hands the header to the scheme (the shopper keeps it as dispute evidence).
  const refuse = (outcome: PipelineOutcome & { kind: "drop" }): PipelineOutcome => {
    if (tag !== null) p.scheme.onRefused?.({ epoch: input.epoch, replayTag: tag, header: header.slice() });
    return outcome;
  };
  const keys = p.mixKeys?.active() ?? [{ secretKey: p.secretKey }];
  for (let k = 0; peeled === undefined; k++) {
    const key = keys[k]!;
    try {
      const ss = sharedSecret({ group: p.group, secretKey: key.secretKey, packet: input.packet });
      // Cheap non-durable pre-check so replays cost one scalar multiplication, not a peel.
      if (p.replay.has(replayTag(ss))) return { kind: "drop", reason: DropReason.replay };
      tag = replayTag(ss);
      peeled = peelPacket({ group: p.group, params: p.params, secretKey: key.secretKey, packet: input.packet, ss });
      if (key.tagEpoch !== undefined && key.tagEpoch > tagEpoch) tagEpoch = key.tagEpoch;
    } catch (error) {
      if (error instanceof SphinxMacError && k + 1 < keys.length) continue; // built for another key in force
      const reason = reasonOf(error);
      if (reason === null) throw error;
      return refuse({ kind: "drop", reason, detail: (error as Error).message });
    }
  }

  const { hop } = peeled;
  if (hop.delayMs > p.maxDelayMs)
    return refuse({ kind: "drop", reason: DropReason.delayTooLarge, detail: `${hop.delayMs} ms > ${p.maxDelayMs} ms` });
  let next: Address | null = null;
  if (hop.action === "forward") {
    next = getAddress(hop.next);
    if (!p.knowsRelay(next)) return refuse({ kind: "drop", reason: DropReason.unknownNextHop, detail: next });
  }
  if (hop.action === "deliver" && p.inbox === null)
    return refuse({ kind: "drop", reason: DropReason.badHop, detail: "deliver at a relay that is not a gateway" });

  let committed:
    | { reason: DropReason; detail?: string }
    | { attachment: Uint8Array; onward?: (() => Promise<Uint8Array>) | undefined };
  try {
    // Outside the group commit: a scheme's chain read holds up this packet only (RelayScheme.prepare).
    await p.scheme.prepare?.({ attachment: input.attachment, nextHop: next });
  } catch (error) {
    p.log.warn({ err: error }, "scheme.prepare failed; onPacket decides");
  }
  try {
    committed = await p.committer.run(async () => {
      if (!p.replay.checkAndInsert(peeled.replayTag, tagEpoch)) return { reason: DropReason.replay };
      if (hop.action === "deliver" && p.inbox!.isFull(hop.mailbox)) return { reason: DropReason.inboxFull };
      // The tag stays recorded even if the scheme refuses: the same onion must not be probed twice.
      p.committer.savepoint("scheme");
      let verdict;
      try {
        verdict = await p.scheme.onPacket({
          slot: hop.slot,
          attachment: input.attachment,
          ss: peeled.ss,
          replayTag: peeled.replayTag,
          packetRef: peeled.mac,
          fromPeer: input.fromPeer,
          nextHop: next,
          epoch: input.epoch,
          header,
        });
      } catch (error) {
        p.committer.rollbackTo("scheme");
        p.log.error({ err: error }, "scheme.onPacket threw; packet dropped");
        return { reason: DropReason.schemeError, detail: (error as Error).message };
      }
      if (!verdict.accept) {
        p.committer.rollbackTo("scheme");
        return { reason: DropReason.schemeRejected, detail: verdict.reason };
      }
      p.committer.release("scheme");
      if (hop.action === "deliver") p.inbox!.put(hop.mailbox, peeled.body);
      return { attachment: verdict.attachment, onward: verdict.onward };
    });
  } catch (error) {
    p.log.error({ err: error }, "durable commit failed; packet dropped");
    return { kind: "drop", reason: DropReason.commitFailed, detail: (error as Error).message };
  }
  if ("reason" in committed) return { kind: "drop", ...committed };

  const receipt = { packetRef: peeled.mac, receipt: p.scheme.receipt({ ss: peeled.ss, packetRef: peeled.mac }) };
  switch (hop.action) {
    case "forward": {
      return {
        kind: "forward",
        next: next!,
        packet: peeled.next!,
        attachment: committed.attachment,
        onward: committed.onward,
        delayMs: hop.delayMs,
        nextRef: headerMac(peeled.next!, p.group, p.params.routingInfoSize).slice(),
        receipt,
        replayTag: peeled.replayTag,
      };
    }
    case "deliver":
      return { kind: "deliver", receipt, replayTag: peeled.replayTag };
    case "loop":
      return { kind: "loop", receipt, replayTag: peeled.replayTag };
    case "drop":
      return { kind: "drop-hop", receipt, replayTag: peeled.replayTag };
  }
}
