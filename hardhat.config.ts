import { defineConfig } from "hardhat/config";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";

// solc-js is pinned in package.json; compiling through it keeps builds offline.
const solcJs = new URL("./node_modules/solc/soljson.js", import.meta.url).pathname;

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    version: "0.8.30",
    path: solcJs,
    settings: { evmVersion: "prague", optimizer: { enabled: true, runs: 10_000 } },
  },
  paths: { tests: { solidity: "test/contracts" } },
  networks: {
    // `obol chain` / devnet: Hardhat's node bound to loopback only.
    localhost: { type: "http", url: process.env.OBOL_RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
