/**
 * One shape for the adversaries that name a sender per packet and nothing
 * more (n−1, spend order, the strategic dropper's AUC counts): its own module
 * so that linking.ts, which dispatches to them, and they share it without an
 * import cycle.
 */
import type { Adversary, LinkingResult } from "./linking.js";

/**
 * The result of an adversary that guesses senders only (no sender–receiver pairs): n−1, spend order, the dropper.
 *
 * @param chance its context-only baseline, already a share of targets
 */
export function senderOnlyResult(
  a: Pick<Adversary, "id" | "description">,
  { targets, correct, chance, uniform }: { targets: number; correct: number; chance: number; uniform: number },
): LinkingResult {
  return {
    adversary: a.id,
    description: a.description,
    targets,
    correct,
    accuracy: targets ? correct / targets : 0,
    pairTargets: 0,
    pairCorrect: 0,
    pairAccuracy: null,
    chance,
    uniform,
  };
}
