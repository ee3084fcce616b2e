/**
 * An incoming packet as the relay pipeline hands it to a scheme's
 * `onPacket`, for code that drives a relay side directly (scheme tests, the
 * attack scenarios): the slot and epoch under test, every other field fixed
 * (zero secrets, no next hop). Callers that need distinct tags or a next hop
 * override them.
 */
import type { IncomingPacket } from "./scheme.js";

export function incomingPacket(slot: Uint8Array, epoch = 0n, fields: Partial<IncomingPacket> = {}): IncomingPacket {
  return {
    slot,
    attachment: new Uint8Array(0),
    ss: new Uint8Array(32),
    replayTag: new Uint8Array(32),
    packetRef: new Uint8Array(32),
    fromPeer: "peer",
    nextHop: null,
    epoch,
    ...fields,
  };
}
