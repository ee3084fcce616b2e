#!/usr/bin/env node
// `npx obol …` / `obol …` once installed: runs the TypeScript CLI in this very
// process (tsx's loader registered in-process, no wrapper child), so the
// signals npm or a shell send reach the process that owns the relay or chain.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
await runCli(process.argv.slice(2));
