/**
 * A public testnet as an operator runs it (README §A public testnet,
 * docs/operations.md §7), against a `hardhat node --chain-id 31340` started
 * apart and reached only through `--network obolTest`: every key of the
 * deployer and the four relays is in Hardhat's encrypted keystore, read with
 * the password on stdin, never on a command line or in a file. deploy →
 * fund → relays register → channels → Alice's paid message through the
 * relays → claim, each command its own `obol` process; then the chain's
 * redemption events must pay the gateway exactly what its database says it
 * claimed. Also: Ignition's journal is kept per chain, so one data dir can
 * deploy to a second network and come back to the first without a second
 * set of contracts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectChain } from "../../src/chain/client.js";
import { readDeployment } from "../../src/chain/deployment-file.js";
import { devPrivateKey } from "../../src/chain/node.js";
import { readCredit } from "../../src/relay/credit.js";
import { paidOnChain } from "../../src/sim/processes/soak-chain.js";
import { openDatabase } from "../../src/store/db.js";
import { ok, service, until, type Service } from "./harness.js";
import { keystoreEnv, keystoreSet, PASSWORD, startHardhatNode } from "./keystore-harness.js";

const CHAIN_ID = 31_340;
const RELAYS = [
  { name: "gw", role: "gateway", secret: "OBOL_GW_KEY" },
  { name: "mix1", role: "mix", secret: "OBOL_MIX1_KEY" },
  { name: "mix2", role: "mix", secret: "OBOL_MIX2_KEY" },
  { name: "mix3", role: "mix", secret: "OBOL_MIX3_KEY" },
] as const;

const work = mkdtempSync(join(tmpdir(), "obol-network-walk-"));
const W = (p: string) => join(work, p);
const nodes: ChildProcess[] = [];
const running: Service[] = [];
let env: NodeJS.ProcessEnv = {};

/**
 * An obol command with the keystore's password on stdin (the only way the keys arrive). Every `--network`
 * command gets it: without another key option the network's first account is read from the keystore.
 */
const run = (args: string[]) => ok(args, { input: `${PASSWORD}\n`, env });

beforeAll(async () => {
  const chain = await startHardhatNode(CHAIN_ID);
  nodes.push(chain.child);
  env = keystoreEnv(work, chain.rpcUrl);
  // The fixture network's first account (`accounts: [configVariable("OBOL_TEST_DEPLOYER")]`) deploys.
  await keystoreSet(env, "OBOL_TEST_DEPLOYER", devPrivateKey(0));
  for (const [i, r] of RELAYS.entries()) await keystoreSet(env, r.secret, devPrivateKey(i + 1));
}, 600_000);
afterAll(async () => {
  for (const s of running.reverse()) await s.stop();
  for (const n of nodes) n.kill("SIGTERM");
});

describe("a named network with keys in the Hardhat keystore", () => {
  it("deploy, register, relay paid packets and claim over --network; the chain pays what the gateway claimed", {
    timeout: 900_000,
  }, async () => {
    const network = ["--network", "obolTest"];
    const net = ["--deployment-dir", W("net")];
    await run(["deploy", "--scheme", "channels", "--epoch-seconds", "30", ...network, "--data-dir", W("net")]);
    expect(readDeployment(W("net")).chainId).toBe(CHAIN_ID);

    const address: Record<string, `0x${string}`> = {};
    for (const r of RELAYS)
      address[r.name] = (
        JSON.parse(await run(["key", "address", "--keystore-key", r.secret, "--json"])) as { address: `0x${string}` }
      ).address;
    for (const who of ["alice", "bob"])
      address[who] = (await ok(["key", "new", W(`${who}/key`)], { env })).trim() as `0x${string}`;
    // The deployer is the network's first account: no key option at all.
    await run([
      "token",
      "transfer",
      "--to",
      Object.values(address).join(","),
      "--amount",
      "1000",
      "--eth",
      "10",
      ...network,
      "--data-dir",
      W("net"),
    ]);

    for (const r of RELAYS)
      running.push(
        await service(
          ["relay", "--role", r.role, "--keystore-key", r.secret, ...network, "--data-dir", W(r.name), ...net],
          /listed from epoch \d+/,
          240_000,
          { input: `${PASSWORD}\n`, env },
        ),
      );
    await until(
      "all 4 relays listed",
      async () => {
        const s = JSON.parse(await run(["status", "--json", ...network, "--data-dir", W("net")])) as {
          epoch: string;
          directoryEpoch: string | null;
          relays: unknown[];
        };
        return s.directoryEpoch === s.epoch && s.relays.length === 4 ? true : undefined;
      },
      240_000,
      2_000,
    );

    for (const r of RELAYS) {
      const others = RELAYS.filter((o) => o !== r).map((o) => address[o.name]);
      await run([
        "channels",
        "open",
        "--to",
        others.join(","),
        "--amount",
        "20",
        "--keystore-key",
        r.secret,
        ...network,
        "--data-dir",
        W(r.name),
        ...net,
      ]);
    }
    const alice = ["--key-file", W("alice/key"), ...network, "--data-dir", W("alice"), ...net];
    await run(["channels", "open", "--to", address.gw!, "--amount", "20", ...alice]);

    const bob = (await run(["inbox", "--address", ...network, "--data-dir", W("bob"), ...net])).trim();
    const sent = await run(["send", bob, "hello over a named network", ...alice]);
    expect(sent).toMatch(/^sent [0-9a-f]{32} via gateway/);
    let seen = "";
    await until(
      "Bob reads Alice's message",
      async () => {
        seen += await run(["inbox", ...network, "--data-dir", W("bob"), ...net]);
        return seen.includes("hello over a named network") ? true : undefined;
      },
      180_000,
    );

    // The gateway carried Alice's paid packet (and the relays' paid cover loops): its claim pays on chain.
    const gwClaim = ["claim", "--keystore-key", "OBOL_GW_KEY", ...network, "--data-dir", W("gw"), ...net, "--json"];
    await until(
      "the gateway has been paid",
      async () => {
        const c = JSON.parse(await run(gwClaim)) as { scheme: string; relay: string };
        expect(c).toMatchObject({ scheme: "channels", relay: address.gw });
        const db = openDatabase(join(W("gw"), "relay.sqlite"));
        try {
          return readCredit(db, "channels").claimed > 0n ? true : undefined;
        } finally {
          db.close();
        }
      },
      300_000,
      5_000,
    );
    for (const s of running.splice(0).reverse()) expect(await s.stop()).toBe(0);
    await run(gwClaim); // what the gateway earned until it stopped

    // The chain's account of the payments, from its redemption events, against the gateway's database.
    const deployment = readDeployment(W("net"));
    const reader = await connectChain({ rpcUrl: deployment.rpcUrl, deployment, privateKey: devPrivateKey(9) });
    const chainPaid = await paidOnChain(reader, "channels");
    const db = openDatabase(join(W("gw"), "relay.sqlite"));
    const credit = readCredit(db, "channels");
    db.close();
    expect(chainPaid.paid.get(address.gw!.toLowerCase())).toBe(credit.claimed);
    expect(credit.claimed).toBeGreaterThan(0n);
    expect(credit.pending).toBe(0n);
    expect(chainPaid.doublePaid).toBe(0);
  });

  it("Ignition's journal is kept per chain: deploying elsewhere and back reuses the first deployment", {
    timeout: 600_000,
  }, async () => {
    const dir = W("multi");
    const first = JSON.parse(await run(["deploy", "--network", "obolTest", "--data-dir", dir, "--json"])) as {
      contracts: Record<string, string>;
      startBlock: string;
    };
    const other = await startHardhatNode(31_341);
    nodes.push(other.child);
    // The same data dir on a second chain (its unlocked account #0 deploys).
    const elsewhere = JSON.parse(
      await ok(["deploy", "--rpc-url", other.rpcUrl, "--data-dir", dir, "--json"], { env }),
    ) as { chainId: number };
    expect(elsewhere.chainId).toBe(31_341);
    // Back to the first: Ignition resumes its journal, so no second set of contracts and the same start block.
    const again = JSON.parse(await run(["deploy", "--network", "obolTest", "--data-dir", dir, "--json"])) as {
      contracts: Record<string, string>;
      startBlock: string;
    };
    expect(again.contracts).toEqual(first.contracts);
    expect(again.startBlock).toBe(first.startBlock);
    // Where: Hardhat Ignition's own deployment id, one directory per chain.
    for (const id of [CHAIN_ID, 31_341]) expect(existsSync(join(dir, `ignition/chain-${id}/journal.jsonl`))).toBe(true);
  });
});
