/**
 * A workload spread over several epochs (docs/compare.md §Win-probability
 * sweep): steady-state gas includes what recurs per epoch (round
 * commitments, top-ups, redemptions at the epoch's turn), so the chain moves
 * to the next epoch at evenly spaced points of the workload while clients
 * keep sending. The relays see the turn through their own epoch watchers.
 */
import { advanceDevChainToEpoch, currentEpoch } from "../../chain/epochs.js";
import type { ChainClients } from "../../chain/types.js";
import { forComponent, type Logger } from "../../log.js";

/**
 * Moves the chain `epochs − 1` times during a `durationS` workload.
 *
 * @param chain returns a chain handle once the network has one (null before).
 * @example
 * const clock = epochClock({ epochs: 3, durationS: 30, chain: () => c, log, signal, onStep });
 * // forward every devnet step to clock.onStep; after the traffic: await clock.done();
 */
export function epochClock(o: {
  epochs: number;
  durationS: number;
  chain: () => ChainClients | null;
  log: Logger;
  signal: AbortSignal;
  onStep?: ((step: string) => void) | undefined;
}) {
  const timers: NodeJS.Timeout[] = [];
  let moves: Promise<void> = Promise.resolve();
  let turned = 0;
  return {
    /** Epoch turns made during the workload. */
    turned: () => turned,
    onStep(step: string) {
      if (!step.startsWith("exchanging messages") || timers.length > 0) return;
      for (let i = 1; i < o.epochs; i++)
        timers.push(
          setTimeout(
            () => {
              const c = o.chain();
              if (!c || o.signal.aborted) return;
              moves = moves.then(async () => {
                try {
                  const next = (await currentEpoch(c)) + 1n;
                  o.onStep?.(`entering epoch ${next} during traffic (${i + 1} of ${o.epochs})`);
                  await advanceDevChainToEpoch(c, next);
                  turned++;
                } catch (err) {
                  forComponent(o.log, "obol:compare").warn({ err }, "could not turn the epoch during traffic");
                }
              });
            },
            (o.durationS * 1000 * i) / o.epochs,
          ),
        );
    },
    /** Stops further turns and waits for the one under way. */
    async done() {
      for (const t of timers) clearTimeout(t);
      await moves;
    },
  };
}
