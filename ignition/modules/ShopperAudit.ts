/**
 * `ShopperAudit`: accounting scheme C (docs/shopper.md) on top of `ObolCore`.
 * Deploys the audit contract and grants it the registry's FAULT_RECORDER_ROLE
 * so broken routes and false tags are recorded against the relays' stake.
 *
 * Parameters (all optional):
 * - `jMax`: loops per sender per epoch that may win (default 64);
 * - `winThreshold`: a loop wins when keccak256(beacon ‖ β) < winThreshold
 *   (ε · 2^256; default 2^256 / 8, i.e. ε = 1/8);
 * - `rewardPerHop`: token units paid to each hop of a complete winning loop (default 1 OBOL);
 * - `exitLag`: epochs after a relay's exit epoch before its stake unlocks (default 2: the
 *   reveal window of the last epoch it served; audits revealed then hold the stake until
 *   they are finalized, docs/shopper.md §Stake at risk).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoreModule from "./Core.js";

const OBOL = 10n ** 18n;

export const SHOPPER_DEFAULTS = {
  jMax: 64n,
  winThreshold: (1n << 256n) / 8n,
  rewardPerHop: OBOL,
  exitLag: 2n,
} as const;

const ShopperAuditModule = buildModule("ShopperAudit", (m) => {
  const { obolToken, relayRegistry } = m.useModule(CoreModule);
  const jMax = m.getParameter("jMax", SHOPPER_DEFAULTS.jMax);
  const winThreshold = m.getParameter("winThreshold", SHOPPER_DEFAULTS.winThreshold);
  const rewardPerHop = m.getParameter("rewardPerHop", SHOPPER_DEFAULTS.rewardPerHop);
  const shopperAudit = m.contract("ShopperAudit", [relayRegistry, obolToken, jMax, winThreshold, rewardPerHop]);
  const role = m.staticCall(relayRegistry, "FAULT_RECORDER_ROLE", []);
  m.call(relayRegistry, "grantRole", [role, shopperAudit]);
  m.call(relayRegistry, "setExitLag", [m.getParameter("exitLag", SHOPPER_DEFAULTS.exitLag)]);
  return { obolToken, relayRegistry, shopperAudit };
});

export default ShopperAuditModule;
