/**
 * Every fast-check property in the suite runs from one fixed seed (STYLE: seeded randomness in
 * tests), so a failure seen once is seen again on every machine and in CI, and its report's
 * `seed`/`path` replay it. A property that passes its own `seed` keeps it (per-call parameters
 * win over these). Loaded by vitest.config.ts `setupFiles` before each test file.
 */
import fc from "fast-check";
import { FAST_CHECK_SEED } from "./fast-check-seed.js";

fc.configureGlobal({ seed: FAST_CHECK_SEED });
