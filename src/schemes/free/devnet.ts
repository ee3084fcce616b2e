/**
 * Devnet hook of the `free` baseline: no contracts, nothing to set up or
 * settle; the comparison measures every other scheme against it.
 */
import type { SchemeDevnet } from "../devnet.js";

export const devnet: SchemeDevnet = {
  contracts: [],
  expectedSeconds: { setup: 0, settlement: 1 },
  async setup() {
    return async () => {};
  },
};
