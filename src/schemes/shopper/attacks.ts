/**
 * Economic attacks on the shopper (docs/compare.md §Attack scenarios), run by
 * `obol compare` against the real RelayRegistry.
 *
 * Copied VRF key (issue 11, finding 5): a relay's audit loops are chosen by
 * its BLS VRF key, and a revealed winning loop pays its reward to the sender;
 * an attacker that registers with a key it copied from an honest relay (the
 * key is public on chain) would reveal that relay's winning loops as its own.
 * The registry refuses a BLS key another relay already holds. No leaky
 * registry ships, so the scenario has no control. The front-running,
 * framing and strategic-dropper attacks still run only in
 * `test/schemes/shopper/` (their world fixture is test code).
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "viem";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { ContractRevertError, explainRevert } from "../../chain/errors.js";
import { registerRelay } from "../../chain/registry.js";
import type { ChainClients } from "../../chain/types.js";
import { vrfKeygen } from "../../crypto/vrf/bls.js";
import type { AttackScenario } from "../devnet.js";

const STAKE = 1_000n * 10n ** 18n;
const MULTIADDR = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN";

export const copiedVrfKey: AttackScenario = {
  name: "shopper.copied_vrf_key",
  attacker:
    "a relay that registers with an honest relay's public VRF key, to reveal its winning audit loops as its own",
  async run(context) {
    const [owner, copier] = (await context.accounts(2)) as [ChainClients, ChainClients];
    const key = vrfKeygen();
    const register = (c: ChainClients) =>
      registerRelay(c, {
        role: "mix",
        mixKey: randomBytes(32),
        blsKey: key.publicKey,
        multiaddr: MULTIADDR,
        stake: STAKE,
      });
    await register(owner);
    let refused: string | null = null;
    try {
      await register(copier);
    } catch (error) {
      refused = error instanceof ContractRevertError ? error.errorName : (explainRevert(error)?.errorName ?? null);
      if (refused === null) throw error;
    }
    const keyOwner = await copier.publicClient.readContract({
      address: copier.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "blsKeyOwner",
      args: [bytesToHex(key.publicKey)],
    });
    // The copy pays off iff the registry lets the copier sign loops with the key: registered without a refusal.
    const holdsCopy = refused === null || keyOwner.toLowerCase() === copier.account.toLowerCase();
    return {
      succeeded: holdsCopy,
      valueMoved: 0n,
      honest: [owner.account],
      detail: holdsCopy
        ? "the copier is registered with the honest relay's VRF key"
        : `the registry refused the copied key (${refused}); the key stays with the honest relay (${keyOwner.toLowerCase() === owner.account.toLowerCase() ? "owner on chain" : "owner changed"})`,
    };
  },
};
