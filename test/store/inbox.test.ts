import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { openDatabase } from "../../src/store/db.js";
import { InboxStore } from "../../src/store/inbox.js";

describe("InboxStore", () => {
  it("keeps messages per mailbox in order, caps each mailbox, expires by TTL", () => {
    let now = 1_000;
    const inbox = new InboxStore(openDatabase(":memory:"), { ttlMs: 100, maxPerMailbox: 3, now: () => now });
    const a = randomBytes(32);
    const b = randomBytes(32);
    const bodies = [1, 2, 3, 4].map((i) => new Uint8Array([i]));
    expect(bodies.map((x) => inbox.put(a, x))).toEqual([true, true, true, false]);
    expect(inbox.put(b, bodies[0]!)).toBe(true);
    const { entries, remaining } = inbox.peek(a, 2);
    expect(entries.map((e) => e.body[0])).toEqual([1, 2]);
    expect(remaining).toBe(1);
    inbox.remove(entries.map((e) => e.id));
    expect(inbox.count(a)).toBe(1);
    now += 100; // TTL passed
    expect(inbox.count(a)).toBe(0);
    expect(inbox.put(a, bodies[0]!)).toBe(true); // expired ones no longer count against the cap
    expect(inbox.expire()).toBe(2);
    expect(inbox.count(b)).toBe(0);
  });

  it("validates mailbox ids and settings", () => {
    const db = openDatabase(":memory:");
    expect(() => new InboxStore(db, { ttlMs: 0, maxPerMailbox: 1 })).toThrow(/ttlMs/);
    const inbox = new InboxStore(db, { ttlMs: 1, maxPerMailbox: 1 });
    expect(() => inbox.put(new Uint8Array(31), new Uint8Array(1))).toThrow(/mailbox/);
  });
});
