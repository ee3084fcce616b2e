/**
 * How a scheme plugs into the devnet (`npm start`) and the comparison:
 * each scheme exports `devnet: SchemeDevnet` from `src/schemes/<name>/devnet.ts`.
 */
import type { IgnitionModule } from "@nomicfoundation/ignition-core";
import type { Logger } from "../log.js";
import type { ChainClients, RelayRole } from "../chain/types.js";

export type DevnetParticipant = {
  /** Human name used in logs and reports, e.g. "mix-2-1", "client-0". */
  name: string;
  /** Chain access with this participant's own funded account. */
  chain: ChainClients;
  /** Private data directory (its sqlite store lives here). */
  dataDir: string;
};

export type DevnetContext = {
  /** The deploying account (token owner, registry admin). */
  deployer: ChainClients;
  relays: (DevnetParticipant & { role: RelayRole })[];
  clients: DevnetParticipant[];
  log: Logger;
  signal: AbortSignal;
};

export type SchemeDevnet = {
  /** Ignition module deploying the scheme's contracts on top of `ObolCore`. */
  module?: IgnitionModule;
  /**
   * One-time setup after deployment and relay registration, before traffic:
   * fund pools, open channels, buy tokens, register keys, start services.
   * Returns a function that stops whatever it started.
   */
  setup(context: DevnetContext): Promise<() => Promise<void>>;
};
