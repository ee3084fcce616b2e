/**
 * Scheme B's win probability as a deployment parameter, for the comparison's
 * sweep (docs/compare.md §Win-probability sweep). The issuer registers
 * `winBits` with TicketBank (docs/tickets.md §Probabilistic redemption): a
 * token wins with probability 2^−winBits once the epoch's beacon is drawn
 * (from epoch e+2 on), and a winner pays price·2^winBits. So a lottery run
 * needs settlement: the chain moves two epochs past the traffic before the
 * relays' last claim draws the beacon and redeems the winners.
 */
import type { AccountingScheme } from "../scheme.js";
import type { DevnetContext, SchemeDevnet, SchemeLottery } from "../devnet.js";
import { InvalidInputError } from "../../errors.js";
import { currentEpoch } from "../../chain/epochs.js";

/** TicketBank.MAX_WIN_BITS. */
const MAX_WIN_BITS = 16;

/** winBits for win probability p: the nearest power of two, at least 2^−16. */
export function winBitsFor(p: number): number {
  if (!(p > 0 && p <= 1)) throw new InvalidInputError("win probability", `must be in (0, 1], got ${p}`);
  return Math.min(MAX_WIN_BITS, Math.max(0, Math.round(-Math.log2(p))));
}

/**
 * The lottery of the tickets devnet.
 *
 * @param devnet the scheme's devnet hook.
 * @param setup its setup at a given winBits and number of traffic epochs.
 * @example
 * const { devnet: atP } = ticketsLottery(devnet, setupTickets).at(1 / 8);
 */
export function ticketsLottery(
  devnet: SchemeDevnet,
  setup: (context: DevnetContext, winBits: number, epochs?: number) => Promise<() => Promise<void>>,
): SchemeLottery {
  return {
    probabilities: [1, 1 / 8, 1 / 64, 1 / 1024],
    defaultProbability: 1,
    at(p, epochs = 1) {
      const winBits = winBitsFor(p);
      return {
        probability: 2 ** -winBits,
        devnet: {
          ...devnet,
          setup: (context) => setup(context, winBits, epochs),
          ...(winBits > 0
            ? {
                settlement: {
                  enterNextEpochDuringTraffic: false,
                  // The last traffic epoch's beacon is drawn from two epochs on; the claims after this draw and redeem.
                  run: async ({ chain, advance }) => {
                    await advance((await currentEpoch(chain)) + 2n, "the traffic epochs' beacons can be drawn");
                    return {};
                  },
                },
                expectedSeconds: { ...devnet.expectedSeconds, settlement: 10 },
              }
            : {}),
        },
        wrap: (scheme: AccountingScheme) => scheme,
      };
    },
  };
}
