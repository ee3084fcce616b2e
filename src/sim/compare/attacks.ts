/**
 * Economic attacks as scenarios (docs/compare.md §Attack scenarios): each
 * scheme's devnet declares its attacks (`SchemeDevnet.attacks`); this runs
 * every one on a fresh local chain with the scheme deployed, against the real
 * contracts and relay code, and once more against the scenario's leaky
 * control where it has one (the attack must succeed there, or it proves
 * nothing by failing on the scheme). Faults against honest relays are read
 * from the registry, not taken from the scenario.
 */
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { createWalletClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { obolTokenAbi } from "../../chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../chain/abi/RelayRegistry.js";
import { sendContractTx } from "../../chain/tx.js";
import type { ChainClients } from "../../chain/types.js";
import { forComponent, type Logger } from "../../log.js";
import type { AttackContext, AttackOutcome, AttackScenario, SchemeDevnet } from "../../schemes/devnet.js";
import { deployOnFreshChain } from "./fresh-chain.js";

/** One scenario's result on the scheme, and on its leaky control (null: no control, or not run). */
export type AttackRow = {
  scheme: string;
  name: string;
  attacker: string;
  /** On the real scheme; null when the scenario could not run (`error`). */
  succeeded: boolean | null;
  /** Token base units the attack moved, as a decimal string. */
  valueMoved: string;
  /** Faults the registry holds against the honest participants the scenario named. */
  honestFaults: number;
  detail: string;
  control: { variant: string; succeeded: boolean | null; detail: string } | null;
  seconds: number;
  error?: string;
};

const RPC_TIMEOUT_MS = 120_000;
const DEFAULT_TOKENS = 1_000_000n * 10n ** 18n;

/**
 * Runs every attack the scheme declares, on one fresh chain with the scheme deployed.
 *
 * @returns one row per scenario (empty when the scheme declares none).
 * @example
 * const rows = await runAttacks(name, await loadSchemeDevnet(name), { dataDir, log, signal });
 */
export async function runAttacks(
  scheme: string,
  devnet: SchemeDevnet,
  {
    dataDir,
    log,
    signal,
    onStep = () => {},
  }: { dataDir: string; log: Logger; signal: AbortSignal; onStep?: (step: string) => void },
): Promise<AttackRow[]> {
  const scenarios = devnet.attacks ?? [];
  if (scenarios.length === 0) return [];
  const l = forComponent(log, "obol:compare:attacks");
  onStep("attacks: starting a chain and deploying");
  const { chain, deployer } = await deployOnFreshChain(devnet, { dataDir, log, signal, timeoutMs: RPC_TIMEOUT_MS });
  try {
    const rows: AttackRow[] = [];
    for (const [i, scenario] of scenarios.entries()) {
      signal.throwIfAborted();
      const context = (variant: string): AttackContext => {
        const dir = join(dataDir, `${i}-${variant}`);
        mkdirSync(dir, { recursive: true });
        return { ...attackContext(deployer, chain.rpcUrl), dataDir: dir, log: l, signal };
      };
      onStep(`attack ${scenario.name}`);
      rows.push(await runScenario(scheme, scenario, deployer, context, signal));
    }
    return rows;
  } finally {
    await chain.stop();
  }
}

/** Runs one scenario on the scheme, then on its control; an error is a row saying so, not a thrown comparison. */
export async function runScenario(
  scheme: string,
  scenario: AttackScenario,
  deployer: ChainClients,
  context: (variant: string) => AttackContext,
  signal: AbortSignal,
): Promise<AttackRow> {
  const started = Date.now();
  const row: AttackRow = {
    scheme,
    name: scenario.name,
    attacker: scenario.attacker,
    succeeded: null,
    valueMoved: "0",
    honestFaults: 0,
    detail: "",
    control: null,
    seconds: 0,
  };
  try {
    const real = await scenario.run(context("real"), { control: false });
    row.succeeded = real.succeeded;
    row.valueMoved = real.valueMoved.toString();
    row.honestFaults = await faultsOf(deployer, real);
    row.detail = real.detail;
  } catch (error) {
    if (signal.aborted) throw error;
    row.error = (error as Error).message.split("\n")[0]!;
  }
  if (scenario.control) {
    try {
      const leaky = await scenario.run(context("control"), { control: true });
      row.control = { variant: scenario.control, succeeded: leaky.succeeded, detail: leaky.detail };
    } catch (error) {
      if (signal.aborted) throw error;
      row.control = { variant: scenario.control, succeeded: null, detail: (error as Error).message.split("\n")[0]! };
    }
  }
  row.seconds = (Date.now() - started) / 1000;
  return row;
}

/** Faults the registry records against the honest participants an outcome names. */
async function faultsOf(deployer: ChainClients, outcome: AttackOutcome): Promise<number> {
  let sum = 0n;
  for (const address of outcome.honest)
    sum += await deployer.publicClient.readContract({
      address: deployer.deployment.contracts.RelayRegistry,
      abi: relayRegistryAbi,
      functionName: "faults",
      args: [address],
    });
  return Number(sum);
}

/** Fresh funded accounts and a clock on the deployer's chain. */
function attackContext(deployer: ChainClients, rpcUrl: string): Omit<AttackContext, "dataDir" | "log" | "signal"> {
  return {
    deployer,
    async accounts(n, tokens = DEFAULT_TOKENS) {
      const out: ChainClients[] = [];
      for (let i = 0; i < n; i++) {
        const account = privateKeyToAccount(generatePrivateKey());
        await deployer.publicClient.request({
          method: "hardhat_setBalance" as never,
          params: [account.address, "0x56BC75E2D63100000"] as never,
        });
        if (tokens > 0n)
          await sendContractTx(
            deployer,
            {
              address: deployer.deployment.contracts.ObolToken,
              abi: obolTokenAbi,
              functionName: "transfer",
              args: [account.address, tokens],
            },
            "fund an attack participant",
          );
        const walletClient = createWalletClient({
          account,
          chain: deployer.walletClient.chain,
          transport: http(rpcUrl, { timeout: RPC_TIMEOUT_MS }),
          pollingInterval: 20,
        });
        out.push({
          publicClient: deployer.publicClient,
          walletClient,
          account: account.address,
          deployment: deployer.deployment,
        });
      }
      return out;
    },
    async timeTo(timestamp) {
      await deployer.publicClient.request({
        method: "evm_setNextBlockTimestamp" as never,
        params: [Number(timestamp)] as never,
      });
      await deployer.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    },
  };
}
