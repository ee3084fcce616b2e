/**
 * `ObolCore`: the contracts every scheme builds on (DESIGN §6) — ObolToken and
 * the RelayRegistry directory. Scheme modules reuse it with
 * `m.useModule(CoreModule)` so one deployment shares one token and registry.
 *
 * Parameters (all optional; see docs/chain.md and ignition/parameters/):
 * - `initialSupply`: token units minted to the deployer (default 10^9 OBOL);
 * - `epochDuration`: seconds per epoch (default 60);
 * - `minStake`: minimum relay stake in token units (default 100 OBOL);
 * - `unbondingDelay`: seconds after the exit epoch before stake unlocks (default 120);
 * - `slashSink`: receiver of slashed stake (default: the deployer).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const OBOL = 10n ** 18n;

export const CORE_DEFAULTS = {
  initialSupply: 1_000_000_000n * OBOL,
  epochDuration: 60n,
  minStake: 100n * OBOL,
  unbondingDelay: 120n,
} as const;

const CoreModule = buildModule("ObolCore", (m) => {
  const deployer = m.getAccount(0);
  const initialSupply = m.getParameter("initialSupply", CORE_DEFAULTS.initialSupply);
  const epochDuration = m.getParameter("epochDuration", CORE_DEFAULTS.epochDuration);
  const minStake = m.getParameter("minStake", CORE_DEFAULTS.minStake);
  const unbondingDelay = m.getParameter("unbondingDelay", CORE_DEFAULTS.unbondingDelay);
  const slashSink = m.getParameter("slashSink", deployer);

  const obolToken = m.contract("ObolToken", [initialSupply]);
  const relayRegistry = m.contract("RelayRegistry", [obolToken, epochDuration, minStake, unbondingDelay, slashSink]);
  return { obolToken, relayRegistry };
});

export default CoreModule;
