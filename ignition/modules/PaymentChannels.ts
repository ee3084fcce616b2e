/**
 * `PaymentChannels`: accounting scheme A (docs/channels.md) on top of
 * `ObolCore`, over the core's ObolToken.
 *
 * Parameters (optional):
 * - `noticePeriod`: seconds a channel source waits between initiating and
 *   finalizing closure (default 300 — long enough for a relay to redeem its
 *   winners at its next epoch on a devnet; use hours on a public chain).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoreModule from "./Core.js";

export const CHANNELS_DEFAULTS = { noticePeriod: 300n } as const;

const PaymentChannelsModule = buildModule("PaymentChannels", (m) => {
  const { obolToken, relayRegistry } = m.useModule(CoreModule);
  const noticePeriod = m.getParameter("noticePeriod", CHANNELS_DEFAULTS.noticePeriod);
  const paymentChannels = m.contract("PaymentChannels", [obolToken, noticePeriod]);
  return { obolToken, relayRegistry, paymentChannels };
});

export default PaymentChannelsModule;
