/**
 * The public library API (`src/index.ts`): what programs import by name. A
 * rename or removal there breaks users, so this test lists the runtime names
 * and checks they are what they claim (errors extend ObolError, every named
 * scheme loads).
 */
import { describe, expect, it } from "vitest";
import * as obol from "../src/index.js";

describe("public API (src/index.ts)", () => {
  it("names the relay, client, schemes, chain helpers, logging and errors", () => {
    expect(Object.keys(obol).sort()).toEqual(
      [
        "ChainUnreachableError",
        "ClientStateError",
        "ContractRevertError",
        "DeploymentMismatchError",
        "DeploymentNotFoundError",
        "GatewayUnreachableError",
        "InvalidAddressError",
        "InvalidInputError",
        "MessageTooLargeError",
        "ObolClient",
        "ObolError",
        "RELAY_DB_FILE",
        "Relay",
        "RelayConfigError",
        "RelayNotListedError",
        "ReplyError",
        "SCHEME_NAMES",
        "SphinxError",
        "chainSources",
        "connectChain",
        "createLogger",
        "createRelay",
        "currentEpoch",
        "epochInfo",
        "forComponent",
        "formatAddress",
        "launchRelay",
        "loadScheme",
        "parseAddress",
        "readDeployment",
        "readDirectory",
        "sendContractTx",
        "silentLogger",
        "waitForEpoch",
        "watchEpochs",
        "writeDeployment",
      ].sort(),
    );
    for (const [name, value] of Object.entries(obol)) {
      if (!name.endsWith("Error") || value === obol.ObolError) continue;
      expect((value as { prototype: unknown }).prototype, name).toBeInstanceOf(obol.ObolError);
    }
  });

  it("loads every named scheme, and refuses an unknown one with a typed error", async () => {
    for (const name of obol.SCHEME_NAMES) expect((await obol.loadScheme(name)).name).toBe(name);
    await expect(obol.loadScheme("nope")).rejects.toBeInstanceOf(obol.ObolError);
  });
});
