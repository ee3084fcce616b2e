/**
 * A tickets relay behind the real relay pipeline (real Sphinx, real sqlite,
 * real group commit, the real TicketsRelay): packets arriving together must
 * share BLS batches. The group commit runs one packet at a time, so a check
 * started inside `onPacket` is alone in its batch and pays a whole pairing;
 * before `prepare` started it, 16 packets took 16 batches.
 */
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { x25519Group } from "../../../src/crypto/sphinx/group.js";
import { deriveHopSecrets } from "../../../src/crypto/sphinx/header.js";
import { createPacket } from "../../../src/crypto/sphinx/packet.js";
import { obolParams } from "../../../src/crypto/sphinx/params.js";
import { silentLogger } from "../../../src/log.js";
import { processPacket } from "../../../src/relay/pipeline.js";
import { GroupCommitter } from "../../../src/store/commit.js";
import { ReplayStore } from "../../../src/store/replay.js";
import { buyTokens } from "../../../src/schemes/tickets/buy.js";
import { readIssuer } from "../../../src/schemes/tickets/bank.js";
import { TicketsClient } from "../../../src/schemes/tickets/client.js";
import { SLOT_SIZE } from "../../../src/schemes/tickets/constants.js";
import { TicketsRelay } from "../../../src/schemes/tickets/relay.js";
import { RelayTokenStore } from "../../../src/schemes/tickets/store.js";
import { schemeEnv } from "./env.js";

const s = await schemeEnv();
const relay = getAddress(s.wallets[3]!.account.address);
const params = obolParams({ slotSize: SLOT_SIZE });
const PACKETS = 16;

describe("tickets relay behind the pipeline", () => {
  it("packets arriving together share BLS batches, and each is accepted once with its token stored valid", async () => {
    const buyer = s.participant(2);
    const issuer = await readIssuer(buyer.chain, s.wallets[1]!.account.address);
    const bought = await buyTokens(buyer.chain, buyer.db, s.bls, {
      epoch: 0n,
      relays: [relay],
      perRelay: PACKETS,
      issuer,
      issue: (req) => s.issuer.issue(req),
    });
    const pay = new TicketsClient({ ...buyer, ...bought });
    const a = s.participant(3);
    const scheme = new TicketsRelay({ ...a, relay }, { maxDelayMs: 50 });
    await scheme.start();
    const secretKey = x25519Group.randomSecretKey();
    const context = {
      group: x25519Group,
      params,
      secretKey,
      scheme,
      replay: new ReplayStore(a.db),
      committer: new GroupCommitter({ db: a.db }),
      inbox: null,
      maxDelayMs: 1_000,
      knowsRelay: () => false,
      log: silentLogger(),
    };
    const packets: Uint8Array[] = [];
    for (let i = 0; i < PACKETS; i++) {
      const { slots } = await pay.pay({
        route: [{ relay, mixKey: x25519Group.publicKey(secretKey), layer: 1 }],
        secrets: [],
        epoch: 0n,
        kind: "payload",
      });
      const keys = deriveHopSecrets({
        group: x25519Group,
        sessionKey: x25519Group.randomSecretKey(),
        publicKeys: [x25519Group.publicKey(secretKey)],
      });
      packets.push(
        createPacket({
          group: x25519Group,
          params,
          ephemeralKey: keys.ephemeralKey,
          secrets: keys.secrets,
          hops: [{ action: "drop", delayMs: 0, slot: slots[0]! }],
          message: new Uint8Array(0),
        }),
      );
    }
    const outcomes = await Promise.all(
      packets.map((packet) =>
        processPacket(context, { packet, attachment: new Uint8Array(0), fromPeer: "peer", epoch: 0n }),
      ),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(packets.map(() => "drop-hop"));
    expect(new RelayTokenStore(a.db).byState("valid")).toHaveLength(PACKETS);
    expect(scheme.batches).toBeLessThanOrEqual(2);
    // The same packets again: every one is a replay, nothing more is verified or stored.
    const again = await Promise.all(
      packets.map((packet) =>
        processPacket(context, { packet, attachment: new Uint8Array(0), fromPeer: "peer", epoch: 0n }),
      ),
    );
    expect(again.map((o) => (o.kind === "drop" ? o.reason : o.kind))).toEqual(packets.map(() => "replay"));
    expect(new RelayTokenStore(a.db).byState("valid")).toHaveLength(PACKETS);
    await scheme.stop();
  });
});
