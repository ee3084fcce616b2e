/**
 * Issue 9, finding 2: the channel source must not be able to sign only
 * losing tickets. The attacker is the source (a client, or a relay paying
 * onward): it knows every Sphinx secret of its packet, hence the response
 * that will open each ticket, and it may skip any index it likes before it
 * signs. It predicts each ticket's luck with everything it knows when
 * signing (the ticket digest and the response) and sends only tickets it
 * predicts to lose. The relay's real win decisions must still come out at
 * the network's win probability p.
 */
import { describe, it, expect } from "vitest";
import { connect, chainClientsFor } from "./helpers.js";
import { silentLogger } from "../../../src/log.js";
import type { ChainClients } from "../../../src/chain/types.js";
import { grind, grindSucceeded, grindWorld } from "../../../src/schemes/channels/attacks.js";

const env = await connect();
const SENT = 120;

/** A source, relay A (the redeemer) and its next hop B, on a fresh deployment; channels source→A→B funded. */
async function world() {
  const f = await env.deploy();
  const contracts = { ObolToken: f.token.address, PaymentChannels: f.channels.address };
  const chains = [
    await chainClientsFor(env, 1, contracts),
    await chainClientsFor(env, 2, contracts),
    await chainClientsFor(env, 3, contracts),
  ] as ChainClients[] as [ChainClients, ChainClients, ChainClients];
  const w = await grindWorld(chains, null, silentLogger());
  const play = (leak: (round: bigint) => Uint8Array | null) =>
    grind({
      source: w.source,
      a: w.a,
      b: w.b,
      aAddress: chains[1].account,
      bAddress: chains[2].account,
      sourceAddress: chains[0].account,
      domain: w.domain,
      sent: SENT,
      leak,
    });
  return { ...w, play };
}

describe("channels: a grinding source cannot make its tickets lose (issue 9, finding 2)", () => {
  it("the relay's winner share stays at p when the source sends only tickets it predicts to lose", async () => {
    const w = await world();
    const r = await w.play(() => null);
    await w.stop();
    expect(r.skipped).toBeGreaterThan(0); // the source did grind
    expect(r.wins + r.losses).toBe(SENT);
    // Binomial(SENT, 1/2): mean 60, σ ≈ 5.5; 4σ keeps a false alarm below 1e-4.
    const sigma = Math.sqrt(SENT * 0.25);
    expect(Math.abs(r.wins - SENT / 2)).toBeLessThanOrEqual(4 * sigma);
    expect(grindSucceeded(r, 0.5)).toBe(false);
  });

  it("the same grinding wins every ticket back against a relay that leaks its round secret (the attack has power)", async () => {
    const w = await world();
    const r = await w.play(w.leakOfA);
    await w.stop();
    expect(r.wins + r.losses).toBe(SENT);
    expect(r.wins).toBe(0);
    expect(grindSucceeded(r, 0.5)).toBe(true);
  });
});
