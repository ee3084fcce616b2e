/**
 * Client side of scheme A in Node: `ChannelsPayer` (payer.ts) with its
 * outgoing ticket indices in the process's SQLite database (`ch_out`,
 * written in the caller's transaction, so they nest in a relay's group commit).
 */
import type { SchemeDeps } from "../scheme.js";
import { transaction } from "../../store/port.js";
import { ChannelsPayer, type ChannelsClientOptions } from "./payer.js";
import { ChannelsStore } from "./store.js";

export type { ChannelsClientOptions, OutIndices } from "./payer.js";

export class ChannelsClient extends ChannelsPayer {
  constructor(deps: SchemeDeps, options: ChannelsClientOptions = {}) {
    const store = new ChannelsStore(deps.db);
    super(deps, {
      ...options,
      indices: {
        next: (channel, epoch, chainIndex, floor) =>
          transaction(deps.db, () => store.nextOutIndex(channel, epoch, chainIndex, floor)),
      },
    });
  }
}
