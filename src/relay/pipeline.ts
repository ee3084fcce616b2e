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
  const header = input.packet.subarray(0, headerSize(p.group, p.params.routingInfoSize));
  const seen: { tag: Uint8Array | null } = { tag: null };
  // A refusal after the tag is known hands the header to the scheme (the shopper keeps it as dispute evidence).
  const refuse = (outcome: Drop): PipelineOutcome => {
    if (seen.tag !== null) p.scheme.onRefused?.({ epoch: input.epoch, replayTag: seen.tag, header: header.slice() });
    return outcome;
  };
  const opened = openPacket(p, input, seen);
  if ("drop" in opened) return opened.refuse ? refuse(opened.drop) : opened.drop;
  const { peeled, tagEpoch } = opened;
  const routed = routeOf(p, peeled.hop);
  if ("kind" in routed) return refuse(routed);
  const committed = await commitPacket(p, input, { peeled, next: routed.next, tagEpoch, header });
  if ("kind" in committed) return committed;
  return outcomeOf(p, peeled, routed.next, committed);
}

type Drop = PipelineOutcome & { kind: "drop" };

/**
 * Peels the packet under the first mix key in force whose header MAC holds, recording its replay tag in `seen`
 * as soon as it is known.
 *
 * @returns the peeled packet and the epoch its tag is filed under, or a drop (`refuse`: the scheme may see it)
 */
function openPacket(
  p: PipelineParameters,
  input: PacketInput,
  seen: { tag: Uint8Array | null },
): { peeled: PeeledPacket; tagEpoch: bigint } | { drop: Drop; refuse: boolean } {
  let tagEpoch = input.epoch;
  const keys = p.mixKeys?.active() ?? [{ secretKey: p.secretKey }];
  for (let k = 0; ; k++) {
    const key = keys[k]!;
    try {
      const ss = sharedSecret({ group: p.group, secretKey: key.secretKey, packet: input.packet });
      // Cheap non-durable pre-check so replays cost one scalar multiplication, not a peel.
      if (p.replay.has(replayTag(ss))) return { drop: { kind: "drop", reason: DropReason.replay }, refuse: false };
      seen.tag = replayTag(ss);
      const peeled = peelPacket({
        group: p.group,
        params: p.params,
        secretKey: key.secretKey,
        packet: input.packet,
        ss,
      });
      if (key.tagEpoch !== undefined && key.tagEpoch > tagEpoch) tagEpoch = key.tagEpoch;
      return { peeled, tagEpoch };
    } catch (error) {
      if (error instanceof SphinxMacError && k + 1 < keys.length) continue; // built for another key in force
      const reason = reasonOf(error);
      if (reason === null) throw error;
      return { drop: { kind: "drop", reason, detail: (error as Error).message }, refuse: true };
    }
  }
}

/** The hop's instructions this relay can follow: a delay within the cap, a known next hop, delivery only at a gateway. */
function routeOf(p: PipelineParameters, hop: PeeledPacket["hop"]): { next: Address | null } | Drop {
  if (hop.delayMs > p.maxDelayMs)
    return { kind: "drop", reason: DropReason.delayTooLarge, detail: `${hop.delayMs} ms > ${p.maxDelayMs} ms` };
  let next: Address | null = null;
  if (hop.action === "forward") {
    next = getAddress(hop.next);
    if (!p.knowsRelay(next)) return { kind: "drop", reason: DropReason.unknownNextHop, detail: next };
  }
  if (hop.action === "deliver" && p.inbox === null)
    return { kind: "drop", reason: DropReason.badHop, detail: "deliver at a relay that is not a gateway" };
  return { next };
}

type Committed = { attachment: Uint8Array; onward?: (() => Promise<Uint8Array>) | undefined };

/**
 * The durable part: the replay tag, the inbox's room, the scheme's verdict and the delivered body, in one group
 * commit; the tag stays recorded when the scheme refuses.
 *
 * @returns the next hop's attachment, or a drop
 */
async function commitPacket(
  p: PipelineParameters,
  input: PacketInput,
  {
    peeled,
    next,
    tagEpoch,
    header,
  }: { peeled: PeeledPacket; next: Address | null; tagEpoch: bigint; header: Uint8Array },
): Promise<Committed | Drop> {
  const { hop } = peeled;
  let committed: { reason: DropReason; detail?: string } | Committed;
  try {
    // Outside the group commit: a scheme's chain read or batched check holds up this packet only (RelayScheme.prepare).
    await p.scheme.prepare?.({ slot: hop.slot, attachment: input.attachment, nextHop: next, epoch: input.epoch });
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
  return committed;
}

/** What the relay does with an accepted packet: forward it, deliver it, or end its loop or drop hop; with the receipt. */
function outcomeOf(
  p: PipelineParameters,
  peeled: PeeledPacket,
  next: Address | null,
  committed: Committed,
): PipelineOutcome {
  const { hop } = peeled;
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
