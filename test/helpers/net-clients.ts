/**
 * The smallest simulated network a client test needs (`startNetwork`: 2
 * gateways, 1 mix per layer, no relay loop cover) and two users of it: Alice
 * on the first gateway, Bob on the second, each with the network's own funded
 * client slot (0 and 1), so a message crosses the whole mix path from one
 * gateway to the other.
 */
import { ObolClient } from "../../src/client/client.js";
import type { Logger } from "../../src/log.js";
import { startNetwork, type RunningNetwork } from "../../src/sim/network.js";

export function startSmallNetwork(
  scheme: Parameters<typeof startNetwork>[0]["scheme"],
  dataDir: string,
  log: Logger,
): Promise<RunningNetwork> {
  return startNetwork({
    scheme,
    dataDir,
    mixesPerLayer: 1,
    relayLoopPerS: 0,
    log,
    signal: new AbortController().signal,
  });
}

export async function aliceAndBob(net: RunningNetwork, log: Logger): Promise<{ alice: ObolClient; bob: ObolClient }> {
  const [g0, g1] = net.relays.filter((r) => r.role === "gateway");
  const open = (slot: number, gateway: `0x${string}`) =>
    ObolClient.create({
      dataDir: net.clients[slot]!.dataDir,
      log,
      network: net.network,
      chain: net.clients[slot]!.chain,
      directory: net.directory,
      epoch: net.epoch,
      gateway,
    });
  return { alice: await open(0, g0!.address), bob: await open(1, g1!.address) };
}
