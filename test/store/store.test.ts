import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { openDatabase, SCHEMA_VERSION, transaction } from "../../src/store/db.js";
import { ReplayStore } from "../../src/store/replay.js";
import { GroupCommitter } from "../../src/store/commit.js";
import { StoreVersionError } from "../../src/store/errors.js";
import { InvalidInputError } from "../../src/errors.js";

const tempDb = () => join(mkdtempSync(join(tmpdir(), "obol-store-")), "relay.sqlite");

describe("openDatabase", () => {
  it("opens in WAL with synchronous=FULL and migrates to the current version", () => {
    const db = openDatabase(tempDb());
    expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    expect((db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous).toBe(2);
    expect((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    db.close();
  });

  it("refuses a database from a newer schema", () => {
    const path = tempDb();
    openDatabase(path).close();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(StoreVersionError);
  });

  it("keeps data across reopen", () => {
    const path = tempDb();
    const tag = randomBytes(32);
    const db = openDatabase(path);
    new ReplayStore(db).checkAndInsert(tag, 3n);
    db.close();
    const again = openDatabase(path);
    expect(new ReplayStore(again).has(tag)).toBe(true);
    again.close();
  });
});

describe("ReplayStore", () => {
  it("accepts a tag once, rejects it after, in any epoch", () => {
    const replay = new ReplayStore(openDatabase(":memory:"));
    const tag = randomBytes(32);
    expect(replay.checkAndInsert(tag, 1n)).toBe(true);
    expect(replay.checkAndInsert(tag, 1n)).toBe(false);
    expect(replay.checkAndInsert(tag, 2n)).toBe(false);
    expect(replay.has(tag)).toBe(true);
    expect(replay.has(randomBytes(32))).toBe(false);
  });

  it("counts tags per epoch and prunes old epochs", () => {
    const replay = new ReplayStore(openDatabase(":memory:"));
    const tags = Array.from({ length: 20 }, () => randomBytes(32));
    tags.forEach((t, i) => {
      replay.checkAndInsert(t, BigInt(i % 2));
    });
    expect(replay.countForEpoch(0n)).toBe(10);
    expect(replay.countForEpoch(1n)).toBe(10);
    expect(replay.pruneBefore(1n)).toBe(10);
    expect(replay.countForEpoch(0n)).toBe(0);
    expect(replay.countForEpoch(1n)).toBe(10);
  });

  it("validates its inputs, naming the field", () => {
    const replay = new ReplayStore(openDatabase(":memory:"));
    expect(() => replay.checkAndInsert(new Uint8Array(31), 0n)).toThrow(InvalidInputError);
    expect(() => replay.checkAndInsert(randomBytes(32), -1n)).toThrow(/epoch/);
  });

  it("is atomic across connections: two writers racing on one tag, exactly one wins", () => {
    const path = tempDb();
    const a = new ReplayStore(openDatabase(path));
    const b = new ReplayStore(openDatabase(path));
    let wins = 0;
    for (let i = 0; i < 200; i++) {
      const tag = randomBytes(32);
      wins += Number(a.checkAndInsert(tag, 0n)) + Number(b.checkAndInsert(tag, 0n));
    }
    expect(wins).toBe(200);
  });
});

describe("transaction and GroupCommitter", () => {
  it("a top-level transaction that reads, then writes, is not refused because another connection wrote in between", () => {
    // A relay and `obol claim` open the same relay.sqlite. A deferred transaction reads on a snapshot and must
    // upgrade to write later; if the other connection committed meanwhile, SQLite refuses the upgrade at once
    // ("database is locked", no busy wait), and the claim or the credit it was writing is lost.
    const path = join(mkdtempSync(join(tmpdir(), "obol-tx-")), "relay.sqlite");
    const a = openDatabase(path);
    const b = openDatabase(path);
    b.exec("PRAGMA busy_timeout = 0"); // the other writer, if it cannot get the lock, gives up instead of stalling this test
    const replayA = new ReplayStore(a);
    const replayB = new ReplayStore(b);
    let otherWrote = true;
    transaction(a, () => {
      expect(replayA.countForEpoch(0n)).toBe(0);
      try {
        replayB.checkAndInsert(randomBytes(32), 0n);
      } catch {
        otherWrote = false; // it waits for this transaction instead of overtaking it
      }
      replayA.checkAndInsert(randomBytes(32), 0n);
    });
    expect(otherWrote).toBe(false);
    expect(replayA.countForEpoch(0n)).toBe(1);
    a.close();
    b.close();
  });

  it("transaction rolls back every write when the work throws, and nests", () => {
    const db = openDatabase(":memory:");
    const replay = new ReplayStore(db);
    const tag = randomBytes(32);
    expect(() =>
      transaction(db, () => {
        replay.checkAndInsert(tag, 0n);
        transaction(db, () => replay.checkAndInsert(randomBytes(32), 0n));
        throw new Error("scheme failed");
      }),
    ).toThrow("scheme failed");
    expect(replay.countForEpoch(0n)).toBe(0);
  });

  it("never strands an item queued by the continuation of the last one committed", async () => {
    const db = openDatabase(":memory:");
    const committer = new GroupCommitter({ db });
    const chained = committer.run(() => 1).then(() => committer.run(() => 2));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("stranded")), 30_000));
    expect(await Promise.race([chained, timeout])).toBe(2);
    await committer.idle();
  });

  it("commits a burst in few transactions and isolates a failing item", async () => {
    const path = tempDb();
    const db = openDatabase(path);
    const replay = new ReplayStore(db);
    const committer = new GroupCommitter({ db, maxBatch: 64 });
    const tags = Array.from({ length: 200 }, () => randomBytes(32));
    const results = await Promise.allSettled(
      tags.map((tag, i) =>
        committer.run(async () => {
          const fresh = replay.checkAndInsert(tag, 5n);
          await Promise.resolve();
          if (i === 7) throw new Error("bad item");
          return fresh;
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(199);
    expect(results[7]!.status).toBe("rejected");
    expect(committer.commits).toBeLessThanOrEqual(4);
    // Visible to another connection: really committed, and the failed item's write undone.
    const other = new ReplayStore(openDatabase(path));
    expect(other.countForEpoch(5n)).toBe(199);
    expect(other.has(tags[7]!)).toBe(false);
  });
});
