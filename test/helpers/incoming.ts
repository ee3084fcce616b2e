/**
 * An incoming packet as the relay pipeline hands it to a scheme's
 * `onPacket`, for scheme-level tests that drive a relay side directly: the
 * slot and epoch under test, every other field fixed (zero secrets, no next
 * hop). Tests that need distinct tags or a next hop override them.
 */
import type { IncomingPacket } from "../../src/schemes/scheme.js";

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
