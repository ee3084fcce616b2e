/** Configuration of a relay service (docs/relay.md §6). */
import type { DatabaseSync } from "node:sqlite";
import type { Libp2p } from "@libp2p/interface";
import type { Address } from "viem";
import type { DirectorySource, EpochSource, RelayRole } from "../chain/types.js";
import type { SphinxGroup } from "../crypto/sphinx/group.js";
import type { SphinxParams } from "../crypto/sphinx/params.js";
import type { Logger } from "../log.js";
import type { PipelineParameters } from "./pipeline.js";
import type { AccountingScheme, ClientScheme, RelayScheme } from "../schemes/scheme.js";

export type { DirectorySource, EpochSource };

export type CreateRelayParameters = {
  libp2p: Libp2p;
  db: DatabaseSync;
  log: Logger;
  /** Registry id (operator address) of this relay. */
  address: Address;
  role: RelayRole;
  /** X25519 mix secret key whose public key is registered. */
  mixSecretKey: Uint8Array;
  /** The keys in force when the mix key rotates per epoch (`rotation.ts`); `mixSecretKey` is then only validated. */
  mixKeys?: PipelineParameters["mixKeys"];
  params: SphinxParams;
  group?: SphinxGroup;
  scheme: AccountingScheme;
  /** `scheme.relay(deps)`, built by the caller who holds the chain clients. */
  relayScheme: RelayScheme;
  directory: DirectorySource;
  epoch: EpochSource;
  /** Relay cover loops at `ratePerSecond` (λM); off when omitted or 0. */
  cover?: { ratePerSecond: number; meanDelayMs: number; payer: ClientScheme };
  /** Highest sender-chosen delay accepted; default 60 s. */
  maxDelayMs?: number;
  /** Most packets in the mixing queue; default 50,000. */
  queueCapacity?: number;
  inbox?: { ttlMs: number; maxPerMailbox: number };
  /** How often the directory and epoch are re-read; default 2 s. */
  refreshMs?: number;
  /**
   * Fault injection for experiments (the scheme comparison's dropping relay):
   * each accepted packet, already paid for and receipted, is silently not
   * forwarded with probability `dropForward`, drawn from `random`.
   */
  faults?: { dropForward: number; random: () => number };
  /** Told how long each packet's pipeline run took (metrics' peel-time histogram, `metrics.ts`). */
  onProcessed?: (ms: number) => void;
};

