/**
 * Scheme A's win probability as a deployment parameter, for the comparison's
 * sweep (docs/compare.md §Win-probability sweep). A ticket wins with
 * probability (winProb + 1) / 2^56 (docs/channels.md §Win rule), a network
 * parameter every payer and relay agrees on; the contract checks each
 * redeemed ticket against the winProb it was signed with. The unit a win
 * pays stays `DEFAULT_PARAMS.unitAmount` at every p so channel funding and
 * top-ups are the same across the sweep: a deployment would pay v/p per win,
 * which changes neither the gas nor σ/μ of a relay's pay.
 */
import type { AccountingScheme } from "../scheme.js";
import type { SchemeDevnet, SchemeLottery } from "../devnet.js";
import { InvalidInputError } from "../../errors.js";
import { DEFAULT_PARAMS, MAX, type ChannelsParams } from "./constants.js";
import { ChannelsClient } from "./client.js";
import { ChannelsRelay } from "./relay.js";

const SPACE = 2 ** 56;

/** Threshold for win probability p (the nearest p the 56-bit threshold expresses, at least 2^-56). */
export function winProbFor(p: number): bigint {
  if (!(p > 0 && p <= 1)) throw new InvalidInputError("win probability", `must be in (0, 1], got ${p}`);
  const t = BigInt(Math.max(1, Math.round(p * SPACE))) - 1n;
  return t > MAX.winProb ? MAX.winProb : t;
}

/**
 * The lottery of a channels devnet.
 *
 * @param devnet the scheme's devnet hook (its setup does not depend on p).
 * @example
 * const { devnet, wrap } = channelsLottery(base).at(1 / 64);
 */
export function channelsLottery(devnet: SchemeDevnet): SchemeLottery {
  return {
    probabilities: [1, 1 / 8, 1 / 64, 1 / 1024],
    defaultProbability: Number(DEFAULT_PARAMS.winProb + 1n) / SPACE,
    at(p) {
      const params: ChannelsParams = { unitAmount: DEFAULT_PARAMS.unitAmount, winProb: winProbFor(p) };
      return {
        probability: Number(params.winProb + 1n) / SPACE,
        devnet,
        wrap: (scheme: AccountingScheme): AccountingScheme => ({
          ...scheme,
          client: (deps) => new ChannelsClient(deps, { params }),
          relay: (deps) => new ChannelsRelay(deps, { params }),
        }),
      };
    },
  };
}
