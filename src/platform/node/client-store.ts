/** Node backend of the client storage port: SQLite in `<dataDir>/client.sqlite`. */
import { ClientState } from "../../client/state.js";
import type { ClientStore } from "../../client/store.js";

/** Opens (creating when absent) the client state of a data directory. */
export async function openClientStore(dataDir: string): Promise<ClientStore> {
  return ClientState.open(dataDir);
}
