import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { scheme as free } from "../../src/schemes/free/scheme.js";
import { loadScheme } from "../../src/schemes/registry.js";
import type { SchemeDeps } from "../../src/schemes/scheme.js";
import { openDatabase } from "../../src/store/db.js";
import { silentLogger } from "../../src/log.js";
import { InvalidInputError } from "../../src/errors.js";
import { randomAddress } from "./harness.js";

// The free scheme uses none of its dependencies; a real db and logger are passed anyway.
const deps = { db: openDatabase(":memory:"), log: silentLogger() } as unknown as SchemeDeps;
const relay = randomAddress();

describe("free scheme", () => {
  it("is what loadScheme('free') returns and carries no payment bytes", async () => {
    expect(await loadScheme("free")).toBe(free);
    expect([free.slotSize, free.attachmentSize, free.receiptSize]).toEqual([0, 0, 0]);
  });

  it("client pays one empty slot per hop and validates its inputs", async () => {
    const route = [1, 2, 3].map((layer) => ({ relay: randomAddress(), mixKey: randomBytes(32), layer }));
    const payment = await free
      .client(deps)
      .pay({ route, secrets: route.map(() => randomBytes(32)), epoch: 1n, kind: "payload" });
    expect(payment.slots.map((s) => s.length)).toEqual([0, 0, 0]);
    expect(payment.attachment.length).toBe(0);
    await expect(free.client(deps).pay({ route, secrets: [], epoch: 1n, kind: "loop" })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(free.client(deps).pay({ route: [], secrets: [], epoch: 1n, kind: "loop" })).rejects.toThrow(/route/);
  });

  it("relay side accepts empty payment, refuses non-empty, receipts are empty; claim pays 0 with no transaction", async () => {
    const side = free.relay({ ...deps, relay });
    const base = {
      ss: randomBytes(32),
      replayTag: randomBytes(32),
      packetRef: randomBytes(32),
      fromPeer: "p",
      nextHop: null,
      epoch: 1n,
    };
    expect(await side.onPacket({ ...base, slot: new Uint8Array(0), attachment: new Uint8Array(0) })).toEqual({
      accept: true,
      attachment: new Uint8Array(0),
    });
    expect(await side.onPacket({ ...base, slot: new Uint8Array(1), attachment: new Uint8Array(0) })).toMatchObject({
      accept: false,
    });
    expect(await side.onPacket({ ...base, slot: new Uint8Array(0), attachment: new Uint8Array(3) })).toMatchObject({
      accept: false,
    });
    expect(side.receipt({ ss: base.ss, packetRef: base.packetRef }).length).toBe(0);
    const claim = await free.settle({ ...deps, relay }).claim();
    expect(claim).toMatchObject({ scheme: "free", relay, paid: 0n, gasUsed: 0n, transactions: [] });
  });
});
