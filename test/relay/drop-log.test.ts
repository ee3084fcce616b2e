import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DROP_LOG_LINES_PER_WINDOW, DROP_LOG_WINDOW_MS, DropLog } from "../../src/relay/drops.js";

describe("DropLog", () => {
  it("logs the first drops of a window one by one and the rest as one summary with counts per reason and peer", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    let now = 0;
    const drops = new DropLog(pino({ level: "info" }, sink), () => now);
    for (let i = 0; i < 10_000; i++) drops.dropped(i % 2 ? "bad-hmac" : "replay", i % 10 ? "junk-peer" : "other-peer");
    now += DROP_LOG_WINDOW_MS; // next window: the summary of the last one is written first
    drops.dropped("replay", "late-peer");
    drops.flush();
    const single = lines.filter((l) => l.msg === "dropped");
    const summaries = lines.filter((l) => l.msg === "drops suppressed");
    expect(single).toHaveLength(DROP_LOG_LINES_PER_WINDOW + 1);
    expect(summaries).toHaveLength(1);
    const suppressed = summaries[0]!.suppressed as Record<string, number>;
    expect(suppressed["bad-hmac"]! + suppressed.replay!).toBe(10_000 - DROP_LOG_LINES_PER_WINDOW);
    expect(Object.keys(summaries[0]!.topPeers as object)[0]).toBe("junk-peer");
  });
});
