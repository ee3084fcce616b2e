/**
 * Issue 13: a browser page on a shopper network (`startWeb({ scheme: "shopper" })`,
 * the code of `npm run web -- --scheme shopper`), real Hardhat node, real
 * relays, Debian's Chromium. Under the shopper a client pays nothing per
 * packet (relays are paid from the pool for audited cover loops), so the page
 * has no wallet; two pages exchange a message and its SURB reply through 5
 * hops each, through relays running the shopper's relay side.
 */
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { send, webSession } from "./session.js";

const DELIVERY_MS = 120_000; // 5 hops, Poisson delays, a loaded 2-core machine
const session = webSession({ scheme: "shopper" });

async function open(identity: string): Promise<{ page: Page; address: string }> {
  const page = await session.open(identity);
  return { page, address: (await page.textContent("#address"))!.trim() };
}

describe("web client on a shopper network, in Chromium", () => {
  it("exchanges a message and a SURB reply through 5 hops each, paying nothing per packet", async () => {
    const alice = await open("alice");
    const bob = await open("bob");
    await expect(alice.page.textContent("#identity-meta")).resolves.toContain("scheme shopper");
    // Nothing to pay: no wallet box, no key to fund.
    await expect(alice.page.isVisible("#wallet")).resolves.toBe(false);

    await send(alice.page, bob.address, "hello on a shopper network");
    const sent = alice.page.locator("#sent li").first();
    await expect(sent.locator(".route").first().textContent()).resolves.toMatch(
      /^route: gw .* → L1 .* → L2 .* → L3 .* → gw /,
    );
    const received = bob.page.locator("#inbox li[data-kind=message]").first();
    await received.waitFor({ timeout: DELIVERY_MS });
    await expect(received.locator(".text").textContent()).resolves.toBe("hello on a shopper network");
    await received.locator("input").fill("reply on a shopper network");
    await received.locator("button.reply").click();
    const reply = alice.page.locator("#inbox li[data-kind=reply]").first();
    await reply.waitFor({ timeout: DELIVERY_MS });
    await expect(reply.locator(".text").textContent()).resolves.toBe("reply on a shopper network");
  }, 600_000);
});
