/**
 * The client's storage port: what `ObolClient` keeps durably. Node stores it
 * in SQLite (`ClientState`, `<dataDir>/client.sqlite`); the browser in
 * IndexedDB (`src/platform/browser/client-store.ts`, database `obol:<dataDir>`).
 * `#platform/client-store` opens the one of the running platform.
 *
 * Methods are synchronous, as the SQLite store is: the IndexedDB store serves
 * reads from memory (loaded at open) and writes through, in call order.
 */
import type { DatabaseSync } from "node:sqlite";
import { bytesToHex, type Address } from "viem";
import { ClientStateError } from "./errors.js";
import type { ClientIdentity, ReceivedMessage } from "./state.js";

export interface ClientStore {
  /**
   * SQL database that scheme client sides keep their tables in (`SchemeDeps.db`).
   * The browser store has none yet: any use of it throws `ClientStateError`, so a
   * scheme that needs it fails with a clear message (the `free` scheme never reads it).
   */
  readonly db: DatabaseSync;
  /** The client's keys and mailbox, created (and stored) on first use. */
  identity(): ClientIdentity;
  setGateway(gateway: Address): void;
  recordSent(parameters: { id: Uint8Array; recipient: string; at?: number }): void;
  sentCount(): number;
  /** Stores the secret that opens replies to message `id` (written before the message leaves). */
  saveSurbSecret(parameters: { id: Uint8Array; secret: Uint8Array; at?: number }): void;
  openSurbs(limit?: number): { id: Uint8Array; secret: Uint8Array }[];
  markSurbUsed(id: Uint8Array, at?: number): void;
  /** Stores a received message once; false when it was already stored. */
  saveReceived(message: ReceivedMessage): boolean;
  received(): ReceivedMessage[];
  /** Takes the SURB of a received message for a reply (single use). */
  takeReceivedSurb(idPrefix: string): { id: Uint8Array; surb: Uint8Array };
  close(): void;
}

/**
 * The received message a reply answers, found by a hex prefix of its id (as
 * `obol inbox` prints it); both stores clear its SURB after this.
 *
 * @throws ClientStateError when no message matches, several match, or its SURB is gone.
 */
export function replyTarget(
  received: readonly ReceivedMessage[],
  idPrefix: string,
): ReceivedMessage & { surb: Uint8Array } {
  const prefix = idPrefix.toLowerCase().replace(/^0x/, "");
  const matches = received.filter((m) => m.kind === "message" && bytesToHex(m.id).slice(2).startsWith(prefix));
  if (matches.length === 0) throw new ClientStateError(`no received message with id ${idPrefix}`);
  if (matches.length > 1)
    throw new ClientStateError(`id prefix ${idPrefix} matches ${matches.length} messages; give more digits`);
  const m = matches[0]!;
  if (!m.surb) throw new ClientStateError(`message ${idPrefix} carried no SURB or was already answered`);
  return { ...m, surb: m.surb };
}
