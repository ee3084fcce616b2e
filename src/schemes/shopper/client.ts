/**
 * Client side of the shopper scheme: packets carry no payment at all (the
 * scheme pays relays from a pool for audited cover loops), so every slot and
 * the attachment are empty. Real traffic is never revealed.
 */
import type { ClientPayment, ClientPaymentParameters, ClientScheme } from "../scheme.js";

export class ShopperClient implements ClientScheme {
  async pay({ route }: ClientPaymentParameters): Promise<ClientPayment> {
    return { slots: route.map(() => new Uint8Array(0)), attachment: new Uint8Array(0) };
  }
}
