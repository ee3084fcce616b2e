/** Configuration of a relay service (docs/relay.md §6). */
import type { DatabaseSync } from "node:sqlite";
import type { Libp2p } from "@libp2p/interface";
import type { Address } from "viem";
import type { ChainClients, DirectorySource, EpochSource, RelayRole } from "../chain/types.js";
import type { SphinxGroup } from "../crypto/sphinx/group.js";
import type { SphinxParams } from "../crypto/sphinx/params.js";
import type { Logger } from "../log.js";
import type { PipelineParameters } from "./pipeline.js";
import type { AccountingScheme } from "../schemes/scheme.js";

export type { DirectorySource, EpochSource };

/**
 * What a relay is given to run with, as js-libp2p hands a service its
 * components: its node, store, logger, chain access, directory and epoch
 * sources, and its accounting scheme. The relay builds the scheme's relay
 * side (`scheme.relay(…)`) and its cover-loop payer (`scheme.client(…)`)
 * from these same components, so they cannot belong to different schemes.
 */
export type RelayComponents = {
  libp2p: Libp2p;
  db: DatabaseSync;
  log: Logger;
  /** Chain access handed to the scheme (the free scheme never reads it). */
  chain: ChainClients;
  directory: DirectorySource;
  epoch: EpochSource;
  scheme: AccountingScheme;
};

/** Who the relay is and how it behaves (js-libp2p's `init`): identity, keys, packet format and tuning. */
export type RelayInit = {
  /** Registry id (operator address) of this relay. */
  address: Address;
  role: RelayRole;
  /** X25519 mix secret key whose public key is registered. */
  mixSecretKey: Uint8Array;
  /** The keys in force when the mix key rotates per epoch (`rotation.ts`); `mixSecretKey` is then only validated. */
  mixKeys?: PipelineParameters["mixKeys"];
  params: SphinxParams;
  group?: SphinxGroup;
  /** Relay cover loops at `ratePerSecond` (λM), paid through the scheme's client side; off when omitted or 0. */
  cover?: { ratePerSecond: number; meanDelayMs: number };
  /** Highest sender-chosen delay accepted; default 60 s. */
  maxDelayMs?: number;
  /** Most packets in the mixing queue; default 50,000. */
  queueCapacity?: number;
  inbox?: { ttlMs: number; maxPerMailbox: number };
  /** How often the directory and epoch are re-read; default `RELAY_REFRESH_MS`. */
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

/** How often a relay re-reads the directory and epoch unless `RelayInit.refreshMs` says otherwise (ms). */
export const RELAY_REFRESH_MS = 2_000;
