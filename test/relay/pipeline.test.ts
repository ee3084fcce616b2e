/**
 * The pipeline in-process (no network): real Sphinx, real sqlite, and a small
 * real scheme that writes credit rows, so the durability contract between the
 * pipeline and a scheme is checked: credit and replay tag commit together,
 * a refusal or a scheme failure rolls the credit back but keeps the tag.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import type { DatabaseSync } from "node:sqlite";
import { x25519Group } from "../../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../../src/crypto/sphinx/header.js";
import type { HopInstruction } from "../../src/crypto/sphinx/hop.js";
import { createPacket } from "../../src/crypto/sphinx/packet.js";
import { obolParams } from "../../src/crypto/sphinx/params.js";
import { silentLogger } from "../../src/log.js";
import { processPacket, type PipelineParameters } from "../../src/relay/pipeline.js";
import type { IncomingPacket, PacketVerdict, RelayScheme } from "../../src/schemes/scheme.js";
import { GroupCommitter } from "../../src/store/commit.js";
import { openDatabase } from "../../src/store/db.js";
import { InboxStore } from "../../src/store/inbox.js";
import { ReplayStore } from "../../src/store/replay.js";
import { randomAddress } from "./harness.js";

const params = obolParams({ slotSize: 1 });
/** A hop instruction without its slot (the test fills the slot byte). */
type Hop = HopInstruction extends infer H ? (H extends unknown ? Omit<H, "slot"> : never) : never;
const ACCEPT = 0x01;
const REFUSE = 0xff;
const THROW = 0xee;

/** A one-byte-slot scheme that credits every packet it sees in its own table. */
class LedgerScheme implements RelayScheme {
  constructor(private readonly db: DatabaseSync) {
    db.exec("CREATE TABLE IF NOT EXISTS credit (tag BLOB PRIMARY KEY)");
  }
  async start() {}
  async stop() {}
  async onPacket(p: IncomingPacket): Promise<PacketVerdict> {
    this.db.prepare("INSERT INTO credit (tag) VALUES (?)").run(p.replayTag); // written before deciding
    if (p.slot[0] === THROW) throw new Error("ledger bug");
    if (p.slot[0] === REFUSE) return { accept: false, reason: "ledger: unpaid" };
    return { accept: true, attachment: new Uint8Array(0) };
  }
  receipt({ packetRef }: { packetRef: Uint8Array }) {
    return packetRef.subarray(0, 4);
  }
  async onReceipt() {}
  async onEpoch() {}
  credits(): number {
    return Number((this.db.prepare("SELECT count(*) AS n FROM credit").get() as { n: number }).n);
  }
}

function setup(role: "mix" | "gateway", maxPerMailbox = 4) {
  const db = openDatabase(":memory:");
  const secretKey = x25519Group.randomSecretKey();
  const scheme = new LedgerScheme(db);
  const known = randomAddress();
  const context: PipelineParameters = {
    group: x25519Group,
    params,
    secretKey,
    scheme,
    replay: new ReplayStore(db),
    committer: new GroupCommitter({ db }),
    inbox: role === "gateway" ? new InboxStore(db, { ttlMs: 60_000, maxPerMailbox }) : null,
    maxDelayMs: 1_000,
    knowsRelay: (a) => a === known,
    log: silentLogger(),
  };
  const publicKey = x25519Group.publicKey(secretKey);
  const packet = (first: Hop, slotByte = ACCEPT) => {
    const other = x25519Group.publicKey(x25519Group.randomSecretKey());
    const keys = deriveHopSecrets({
      group: x25519Group,
      sessionKey: x25519Group.randomSecretKey(),
      publicKeys: [publicKey, other],
    });
    const hop0 = { ...first, slot: Uint8Array.of(slotByte) } as HopInstruction;
    const hops: HopInstruction[] =
      hop0.action === "forward" ? [hop0, { action: "drop", delayMs: 0, slot: Uint8Array.of(0) }] : [hop0];
    return createPacket({
      group: x25519Group,
      params,
      ephemeralKey: keys.ephemeralKey,
      secrets: keys.secrets.slice(0, hops.length),
      hops,
      message: new Uint8Array(0),
    });
  };
  const run = (p: Uint8Array) =>
    processPacket(context, { packet: p, attachment: new Uint8Array(0), fromPeer: "peer", epoch: 9n });
  return { db, scheme, context, known, packet, run };
}

describe("relay pipeline", () => {
  it("forwards with the next packet, its ref, the delay and the scheme's receipt; credit and tag committed", async () => {
    const { scheme, known, packet, run, context } = setup("mix");
    const outcome = await run(packet({ action: "forward", next: known, delayMs: 250 }));
    expect(outcome.kind).toBe("forward");
    if (outcome.kind !== "forward") return;
    expect(outcome.next).toBe(known);
    expect(outcome.delayMs).toBe(250);
    expect(outcome.packet.length).toBe(packet({ action: "drop", delayMs: 0 }).length);
    expect(outcome.receipt.receipt).toEqual(outcome.receipt.packetRef.subarray(0, 4));
    expect(scheme.credits()).toBe(1);
    expect(context.replay.countForEpoch(9n)).toBe(1);
  });

  it("refusal: credit rolled back, tag kept, so the same packet is then a replay", async () => {
    const { scheme, packet, run } = setup("mix");
    const p = packet({ action: "drop", delayMs: 0 }, REFUSE);
    expect(await run(p)).toMatchObject({ kind: "drop", reason: "scheme-rejected", detail: "ledger: unpaid" });
    expect(scheme.credits()).toBe(0);
    expect(await run(p)).toMatchObject({ kind: "drop", reason: "replay" });
  });

  it("a scheme that throws: counted as scheme-error, its writes undone", async () => {
    const { scheme, packet, run } = setup("mix");
    expect(await run(packet({ action: "loop", delayMs: 0 }, THROW))).toMatchObject({
      kind: "drop",
      reason: "scheme-error",
    });
    expect(scheme.credits()).toBe(0);
  });

  it("concurrent copies of one packet: exactly one accepted", async () => {
    const { packet, run, scheme } = setup("mix");
    const p = packet({ action: "drop", delayMs: 0 });
    const outcomes = await Promise.all([run(p), run(p), run(p)]);
    expect(outcomes.filter((o) => o.kind === "drop-hop")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "drop" && o.reason === "replay")).toHaveLength(2);
    expect(scheme.credits()).toBe(1);
  });

  it("rejects absurd delays, unknown next hops, deliver at a mix, and full mailboxes, each by name", async () => {
    const mix = setup("mix");
    expect(await mix.run(mix.packet({ action: "forward", next: mix.known, delayMs: 1_001 }))).toMatchObject({
      reason: "delay-too-large",
    });
    expect(await mix.run(mix.packet({ action: "forward", next: randomAddress(), delayMs: 0 }))).toMatchObject({
      reason: "unknown-next-hop",
    });
    const mailbox = randomBytes(32);
    expect(await mix.run(mix.packet({ action: "deliver", mailbox, delayMs: 0 }))).toMatchObject({ reason: "bad-hop" });
    expect(mix.scheme.credits()).toBe(0);

    const gw = setup("gateway", 2);
    for (let i = 0; i < 2; i++)
      expect((await gw.run(gw.packet({ action: "deliver", mailbox, delayMs: 0 }))).kind).toBe("deliver");
    expect(await gw.run(gw.packet({ action: "deliver", mailbox, delayMs: 0 }))).toMatchObject({ reason: "inbox-full" });
    expect(gw.context.inbox!.count(mailbox)).toBe(2);
    expect(gw.scheme.credits()).toBe(2);
  });

  it("maps Sphinx failures to reasons: wrong size, bad version, bad point, bad HMAC", async () => {
    const { packet, run } = setup("mix");
    const good = packet({ action: "drop", delayMs: 0 });
    const version = good.slice();
    version[0] = 7;
    const point = good.slice();
    point.fill(0, 1, 33);
    const mac = good.slice();
    mac[100]! ^= 0x40;
    expect(await run(good.subarray(0, good.length - 1))).toMatchObject({ reason: "packet-size" });
    expect(await run(version)).toMatchObject({ reason: "sphinx-version" });
    expect(await run(point)).toMatchObject({ reason: "bad-point" });
    expect(await run(mac)).toMatchObject({ reason: "bad-hmac" });
  });
});

describe("relay pipeline under fuzzing", () => {
  it("10,000 mutated and random packets: none accepted, none forwarded, no crash, every drop has a reason", async () => {
    const { packet, run, scheme } = setup("mix");
    const originals = Array.from({ length: 20 }, () => packet({ action: "loop", delayMs: 0 }));
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: originals.length - 1 }),
        fc.oneof(
          fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
          fc.record({ kind: fc.constant("random" as const) }),
          fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
        ),
        async (index, mutation) => {
          const original = originals[index]!;
          let input: Uint8Array;
          if (mutation.kind === "flip") {
            input = original.slice();
            input[mutation.at % input.length]! ^= 1 << mutation.bit;
          } else if (mutation.kind === "random") input = new Uint8Array(randomBytes(original.length));
          else input = original.slice(0, mutation.at % original.length);
          const outcome = await run(input);
          expect(outcome.kind).toBe("drop");
          if (outcome.kind === "drop") expect(outcome.reason).toMatch(/^[a-z-]+$/);
          dropped++;
        },
      ),
      { numRuns: 10_000 },
    );
    expect(dropped).toBe(10_000);
    expect(scheme.credits()).toBe(0);
  });
});
