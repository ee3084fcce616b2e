/**
 * Seeded, structure-aware mutants of a channels first hop (slot, attachment), shared by
 * `test/schemes/channels/fuzz.test.ts` and the `channels.fuzz_*` figures: each mutant
 * changes one field and names the reason `ChannelsRelay.onPacket` must refuse it with.
 */
/** mulberry32: a small seeded PRNG for reproducible mutants (not for keys). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Mutant = { slot: Uint8Array; attachment: Uint8Array; expect: string; replay?: boolean };

/**
 * One field-level mutation of a valid first-hop (slot, attachment) and the reason
 * `ChannelsRelay.onPacket` must give (its checks run in docs/channels.md §5 order).
 * `replay` is a ticket of the same channel the relay has accepted (the replay mutant resends it).
 * Attachment layout: channel 0..32, amount 32..44, index 44..50, epoch 50..53,
 * winProb 53..60, challenge 60..80, signature 80..144; slot: flags, remaining, hint 2..35.
 */
export function mutate(
  slot0: Uint8Array,
  att0: Uint8Array,
  rand: () => number,
  replay: { slots: Uint8Array[]; attachment: Uint8Array },
): Mutant {
  const slot = slot0.slice();
  const att = att0.slice();
  const int = (n: number) => Math.floor(rand() * n);
  const nonzero = () => 1 + int(255);
  const field = (from: number, to: number, value: bigint) => {
    for (let i = to - 1; i >= from; i--, value >>= 8n) att[i] = Number(value & 0xffn);
  };
  const read = (from: number, to: number, bytes: Uint8Array = att) =>
    bytes.subarray(from, to).reduce((v, x) => (v << 8n) | BigInt(x), 0n);
  const replayIndex = read(44, 50, replay.attachment);
  switch (int(12)) {
    case 0:
      att[int(32)]! ^= nonzero();
      return { slot, attachment: att, expect: "wrong-channel" };
    case 1:
      field(32, 44, read(32, 44) - 1n - BigInt(int(1000)));
      return { slot, attachment: att, expect: "underpaid" };
    case 2:
      field(32, 44, read(32, 44) + 1n + BigInt(int(1000)));
      return { slot, attachment: att, expect: "forged-signature" };
    case 3: {
      // An index the relay already accepted (the replay's, issued after the base) is refused as
      // reused before the signature is checked: the cheaper check runs first (docs/channels.md §5).
      const index = read(44, 50) + 1n + BigInt(int(1000));
      field(44, 50, index);
      return { slot, attachment: att, expect: index === replayIndex ? "reused-index" : "forged-signature" };
    }
    case 4:
      field(44, 50, BigInt(1 + int(1 << 20)));
      return { slot, attachment: att, expect: "stale-round" }; // round 0
    case 5:
      field(50, 53, read(50, 53) + 1n + BigInt(int(100)));
      return { slot, attachment: att, expect: "stale-epoch" };
    case 6:
      field(53, 60, read(53, 60) - 1n - BigInt(int(1 << 30)));
      return { slot, attachment: att, expect: "underpaid" };
    case 7:
      att[60 + int(20)]! ^= nonzero();
      return { slot, attachment: att, expect: "unanswerable-challenge" };
    case 8:
      att[80 + int(64)]! ^= nonzero();
      return { slot, attachment: att, expect: "forged-signature" };
    case 9:
      slot[2 + int(33)]! ^= nonzero();
      return { slot, attachment: att, expect: "unanswerable-challenge" };
    case 10:
      slot[0] = 2 + int(254);
      return { slot, attachment: att, expect: "malformed" };
    default:
      return { slot: replay.slots[0]!, attachment: replay.attachment, expect: "reused-index", replay: true };
  }
}
