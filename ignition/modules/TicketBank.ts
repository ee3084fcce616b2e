/**
 * `TicketBank`: accounting scheme B (docs/tickets.md) on top of `ObolCore`,
 * over the core's ObolToken, with the RelayRegistry's epoch clock (genesis
 * and duration are read from the registry so both contracts agree on epochs).
 *
 * Parameters (optional):
 * - `redeemWindow`: epochs after the grace epoch during which tokens stay
 *   redeemable, and after which holders reclaim their unspent tokens (default 10);
 * - `minIssuerStake`: minimum issuer stake in token units (default 1,000 OBOL).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoreModule from "./Core.js";

const OBOL = 10n ** 18n;

export const TICKETS_DEFAULTS = { redeemWindow: 10n, minIssuerStake: 1_000n * OBOL } as const;

const TicketBankModule = buildModule("TicketBank", (m) => {
  const { obolToken, relayRegistry } = m.useModule(CoreModule);
  const redeemWindow = m.getParameter("redeemWindow", TICKETS_DEFAULTS.redeemWindow);
  const minIssuerStake = m.getParameter("minIssuerStake", TICKETS_DEFAULTS.minIssuerStake);
  const genesis = m.staticCall(relayRegistry, "genesis", [], 0, { id: "registryGenesis" });
  const epochDuration = m.staticCall(relayRegistry, "epochDuration", [], 0, { id: "registryEpochDuration" });
  const ticketBank = m.contract("TicketBank", [obolToken, genesis, epochDuration, redeemWindow, minIssuerStake]);
  return { obolToken, relayRegistry, ticketBank };
});

export default TicketBankModule;
