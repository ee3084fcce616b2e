/**
 * The world's timed traffic (src/schemes/shopper/world-traffic.ts), with the
 * seeded generator the tests and benches use for reproducible user traffic.
 */
export * from "../../../src/schemes/shopper/world-traffic.js";
/** Seeded uniform [0, 1) (mulberry32), so user traffic is reproducible. */
export { seededRandom } from "../../../bench/channels-mutants.js";
