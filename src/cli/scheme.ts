/**
 * Which accounting scheme a command runs under. The deployment says which
 * schemes exist (a scheme is usable when its contract was deployed), and a
 * relay's data directory says which one it ran (`relay.json`), so `--scheme`
 * is only needed to choose among several; a wrong one is an error, never a
 * silent "paid 0".
 */
import type { Deployment, ContractName } from "../chain/types.js";
import type { SchemeName } from "../schemes/scheme.js";
import { CliStateError } from "./errors.js";
import type { CommonOptions } from "./options.js";

/** The contract each paid scheme needs; `free` needs none. */
export const SCHEME_CONTRACT: Record<Exclude<SchemeName, "free">, ContractName> = {
  channels: "PaymentChannels",
  tickets: "TicketBank",
  shopper: "ShopperAudit",
};

/**
 * The paid schemes whose contracts are in the deployment.
 *
 * @example
 * deployedSchemes(deployment); // ["channels"]
 */
export function deployedSchemes(deployment: Deployment): SchemeName[] {
  return (Object.keys(SCHEME_CONTRACT) as (keyof typeof SCHEME_CONTRACT)[]).filter(
    (s) => deployment.contracts[SCHEME_CONTRACT[s]] !== undefined,
  );
}

/**
 * `--scheme` when given (it must be deployed), else the one paid scheme the
 * deployment holds, else `free`.
 *
 * @throws CliStateError when the given scheme is not deployed, or several are and none was chosen.
 */
export function schemeOf(common: CommonOptions, deployment: Deployment, command: string): SchemeName {
  const deployed = deployedSchemes(deployment);
  if (common.schemeGiven) {
    if (common.scheme !== "free" && !deployed.includes(common.scheme))
      throw new CliStateError(`Scheme ${common.scheme} is not deployed on this chain`, {
        details: `the deployment holds: ${["free", ...deployed].join(", ")}`,
        hint: `deploy it with \`obol deploy --scheme ${common.scheme}\`, or drop --scheme`,
      });
    return common.scheme;
  }
  if (deployed.length > 1)
    throw new CliStateError(`The deployment holds several schemes (${deployed.join(", ")})`, {
      hint: `choose one with \`obol ${command} --scheme <name>\``,
    });
  return deployed[0] ?? "free";
}
