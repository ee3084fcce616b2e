/**
 * The public library API of Obol (Node entry). Everything a program needs to
 * run a relay or a client, pick an accounting scheme, talk to the chain and
 * handle errors is named here; other modules are internal and may change.
 * The browser client takes the client path through `#platform/*` (docs/web.md).
 *
 * @example
 * import { connectChain, launchRelay, chainSources, loadScheme } from "obol";
 */

// Relay: the service (components + init, as js-libp2p services) and the launcher the CLI uses.
export { createRelay, Relay } from "./relay/relay.js";
export type { RelayComponents, RelayInit } from "./relay/config.js";
export { launchRelay, RELAY_DB_FILE, type LaunchedRelay, type LaunchRelayParameters } from "./relay/launch.js";
export { chainSources } from "./relay/chain-sources.js";
export type { RelayStats } from "./relay/drops.js";

// Client: send, receive, reply; Obol addresses.
export { ObolClient, type ClientStats, type CreateClientParameters, type InboxMessage } from "./client/client.js";
export { formatAddress, parseAddress, type ObolAddress } from "./client/address.js";

// Accounting schemes: the interface every scheme implements, and the registry.
export { loadScheme, SCHEME_NAMES } from "./schemes/registry.js";
export type {
  AccountingScheme,
  ClaimResult,
  ClientScheme,
  RelayScheme,
  SchemeDeps,
  SchemeName,
  SettleScheme,
} from "./schemes/scheme.js";

// Chain helpers: connect, read the directory and epochs, send transactions, deployment files.
export { connectChain, type ConnectChainParameters } from "./chain/client.js";
export { readDirectory } from "./chain/directory.js";
export { currentEpoch, epochInfo, waitForEpoch, watchEpochs } from "./chain/epochs.js";
export { sendContractTx, type TxOutcome } from "./chain/tx.js";
export { readDeployment, writeDeployment } from "./chain/deployment-file.js";
export type {
  ChainClients,
  Deployment,
  DirectoryEntry,
  DirectorySnapshot,
  DirectorySource,
  EpochSource,
  RelayRole,
} from "./chain/types.js";

// Logging port.
export { createLogger, forComponent, silentLogger, type Logger } from "./log.js";

// Errors: one base class; each domain's errors extend it.
export { InvalidInputError, ObolError, type ObolErrorOptions } from "./errors.js";
export {
  ChainUnreachableError,
  ContractRevertError,
  DeploymentMismatchError,
  DeploymentNotFoundError,
} from "./chain/errors.js";
export { RelayConfigError, RelayNotListedError } from "./relay/errors.js";
export {
  ClientStateError,
  GatewayUnreachableError,
  InvalidAddressError,
  MessageTooLargeError,
  ReplyError,
} from "./client/errors.js";
export { SphinxError } from "./crypto/sphinx/errors.js";
