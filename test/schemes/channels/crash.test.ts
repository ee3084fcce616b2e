/**
 * A relay process SIGKILLed mid-redemption (right after broadcasting, before
 * recording anything) restarts without losing or double-redeeming a ticket.
 * Real parts throughout: Hardhat node over HTTP, Ignition deployment, a
 * separate OS process for the killed claim, sqlite file in WAL mode.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Libp2p } from "@libp2p/interface";
import { startLocalChain, devPrivateKey } from "../../../src/chain/node.js";
import { deployObol } from "../../../src/chain/deploy.js";
import { connectChain } from "../../../src/chain/client.js";
import { obolTokenAbi } from "../../../src/chain/abi/ObolToken.js";
import { sendContractTx } from "../../../src/chain/tx.js";
import { openDatabase } from "../../../src/store/db.js";
import { silentLogger } from "../../../src/log.js";
import PaymentChannelsModule from "../../../ignition/modules/PaymentChannels.js";
import { openChannel } from "../../../src/schemes/channels/chain.js";
import { ChannelsClient } from "../../../src/schemes/channels/client.js";
import { ChannelsRelay } from "../../../src/schemes/channels/relay.js";
import { ChannelsSettle } from "../../../src/schemes/channels/settle.js";
import { ChannelsStore } from "../../../src/schemes/channels/store.js";
import { leave } from "./helpers.js";

const OBOL = 10n ** 18n;
const params = { unitAmount: 10n ** 15n, winProb: (1n << 56n) - 1n };

describe("channels crash safety across processes", () => {
  it("a claim SIGKILLed after broadcast is recovered once by the restarted relay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obol-channels-kill-"));
    const node = await startLocalChain({ port: 0 });
    try {
      const deployment = await deployObol({ rpcUrl: node.rpcUrl, dataDir: dir, modules: [PaymentChannelsModule] });
      const connect = (i: number) => connectChain({ rpcUrl: node.rpcUrl, deployment, privateKey: devPrivateKey(i) });
      const [deployer, client, a, b] = [await connect(0), await connect(5), await connect(6), await connect(7)];
      for (const c of [client, a])
        await sendContractTx(
          deployer,
          {
            address: deployment.contracts.ObolToken,
            abi: obolTokenAbi,
            functionName: "transfer",
            args: [c.account, 100n * OBOL],
          },
          "fund",
        );
      await openChannel(client, a.account, 10n * OBOL);
      await openChannel(a, b.account, 10n * OBOL);
      const dbPath = join(dir, "a.sqlite");
      const deps = (chain: typeof a, db = openDatabase(":memory:")) => ({
        chain,
        db,
        log: silentLogger(),
        libp2p: null as unknown as Libp2p,
      });
      const relayA = new ChannelsRelay(
        { ...deps(a, openDatabase(dbPath)), relay: a.account },
        { params, topUpBelowUnits: 0n, redeemThreshold: 1_000 },
      );
      const relayB = new ChannelsRelay({ ...deps(b), relay: b.account }, { params, topUpBelowUnits: 0n });
      await relayA.start();
      await relayB.start();
      const payer = new ChannelsClient(deps(client), { params });
      const route = [a, b].map((c, layer) => ({ relay: c.account, mixKey: new Uint8Array(32), layer }));
      for (let i = 0; i < 3; i++) {
        const secrets = route.map(() => new Uint8Array(randomBytes(32)));
        const pay = await payer.pay({ route, secrets, epoch: 1n, kind: "payload" });
        const packet = (k: number, attachment: Uint8Array, nextHop: `0x${string}` | null) => ({
          slot: pay.slots[k]!,
          attachment,
          ss: secrets[k]!,
          replayTag: randomBytes(32),
          packetRef: randomBytes(32),
          fromPeer: "p",
          nextHop,
          epoch: 1n,
        });
        await relayA.prepare(packet(0, pay.attachment, b.account)); // as the pipeline does: B started after A
        const va = await relayA.onPacket(packet(0, pay.attachment, b.account));
        if (!va.accept) throw new Error(va.reason);
        expect((await relayB.onPacket(packet(1, await leave(va), null))).accept).toBe(true);
        await relayA.onReceipt({
          packetRef: randomBytes(32),
          receipt: relayB.receipt({ ss: secrets[1]!, packetRef: new Uint8Array(32) }),
          fromPeer: "B",
        });
      }
      expect(new ChannelsStore(openDatabase(dbPath)).counts().won).toBe(3);
      const balance = () =>
        a.publicClient.readContract({
          address: deployment.contracts.ObolToken,
          abi: obolTokenAbi,
          functionName: "balanceOf",
          args: [a.account],
        });
      const before = await balance();

      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(import.meta.dirname, "fixtures", "kill-claim.ts"), node.rpcUrl, dir, dbPath, "6"],
        { stdio: "ignore" },
      );
      const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, sig) => resolve(sig)),
      );
      expect(signal).toBe("SIGKILL");
      // Paid on chain, but the killed process recorded nothing beyond its intent and the hash.
      expect((await balance()) - before).toBe(6n * 10n ** 15n);
      expect(new ChannelsStore(openDatabase(dbPath)).counts().submitted).toBe(3);

      const restarted = new ChannelsSettle({ ...deps(a, openDatabase(dbPath)), relay: a.account });
      const r = await restarted.claim();
      expect(r.details.recovered).toBe(3);
      expect(r.paid).toBe(6n * 10n ** 15n);
      expect((await balance()) - before).toBe(6n * 10n ** 15n);
      expect((await restarted.claim()).paid).toBe(0n);
      expect(new ChannelsStore(openDatabase(dbPath)).counts()).toEqual({ won: 0, submitted: 0, redeemed: 3, void: 0 });
    } finally {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
