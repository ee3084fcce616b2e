/**
 * `npx tsx scripts/compare-schemes.ts [obol compare options]`: the scheme
 * comparison as a script (DESIGN §2: scripts are thin and call src). Same
 * options and output as `obol compare` / `npm start`.
 */
import { main } from "../src/cli/main.js";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("received SIGINT")));
process.once("SIGTERM", () => controller.abort(new Error("received SIGTERM")));
process.exitCode = await main(["compare", ...process.argv.slice(2)], { signal: controller.signal });
