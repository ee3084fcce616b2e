/**
 * `npx tsx scripts/deploy.ts [--rpc-url URL] [--private-key 0x…] [--data-dir DIR] [--parameters FILE]`
 * Thin wrapper over `deployObol` (src/chain/deploy.ts): deploys ObolCore through
 * Ignition and prints the deployment written to `<data-dir>/deployment.json`.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { deployObol } from "../src/chain/deploy.js";
import { createLogger } from "../src/log.js";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: process.env.OBOL_RPC_URL ?? "http://127.0.0.1:8545" },
    "private-key": { type: "string", default: process.env.OBOL_PRIVATE_KEY },
    "data-dir": { type: "string", default: ".obol" },
    parameters: { type: "string" },
  },
});

// Ignition parameter files write bigints as "123n" strings; turn them back into bigints.
const parameters = values.parameters
  ? (JSON.parse(readFileSync(values.parameters, "utf8"), (_, v: unknown) =>
      typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
    ) as Record<string, Record<string, unknown>>)
  : {};

const deployment = await deployObol({
  rpcUrl: values["rpc-url"],
  privateKey: values["private-key"] as Hex | undefined,
  dataDir: values["data-dir"],
  parameters: parameters as never,
  log: createLogger(),
});
process.stdout.write(
  `${JSON.stringify(deployment, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
);
