/**
 * `/obol/proof/1` (docs/shopper.md §Proof protocol): a loop sender asks a
 * relay for the inclusion proof of one tag in its committed tree.
 *
 *   request  = u64be(epoch) ‖ tag (32)                       40 bytes
 *   response = found (1: 0|1) ‖ n (1) ‖ n × sibling (32)      2 + 32n bytes
 *
 * One request per stream; the server closes after answering. Proofs are
 * public once the root is committed, so nothing here is secret.
 */
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import type { Logger } from "../../log.js";
import { InvalidInputError } from "../../errors.js";
import { ShopperError } from "./errors.js";
import { PROOF_PROTOCOL } from "./constants.js";
import { withDeadline } from "../../net/deadline.js";

export const PROOF_TIMEOUT_MS = 10_000;
const REQUEST_SIZE = 40;
const MAX_SIBLINGS = 64;

export type ProofServer = { stop(): Promise<void> };

async function readExactly(stream: Stream, size: number, max = size): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : (chunk as { subarray(): Uint8Array }).subarray();
    parts.push(bytes);
    length += bytes.length;
    if (length >= size || length > max) break;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Registers the `/obol/proof/1` handler.
 *
 * @param libp2p the relay's node
 * @param lookup returns the sibling list of `tag` in the relay's tree of `epoch`, or null
 * @returns a handle whose `stop` unregisters
 * @example
 * const server = await serveProofs(node, (e, t) => relay.proofFor(e, t), log);
 */
export async function serveProofs(
  libp2p: Libp2p,
  lookup: (epoch: bigint, tag: Uint8Array) => Uint8Array[] | null,
  log: Logger,
): Promise<ProofServer> {
  await libp2p.handle(PROOF_PROTOCOL, async (stream: Stream) => {
    const signal = AbortSignal.timeout(PROOF_TIMEOUT_MS);
    try {
      const req = await readExactly(stream, REQUEST_SIZE);
      if (req.length !== REQUEST_SIZE)
        throw new ShopperError(`proof request of ${req.length} bytes, expected ${REQUEST_SIZE}`);
      const epoch = new DataView(req.buffer, req.byteOffset).getBigUint64(0);
      const proof = lookup(epoch, req.subarray(8, 40));
      const out = new Uint8Array(2 + 32 * (proof?.length ?? 0));
      out[0] = proof ? 1 : 0;
      out[1] = proof?.length ?? 0;
      proof?.forEach((p, i) => {
        out.set(p, 2 + 32 * i);
      });
      if (!stream.send(out)) await stream.onDrain({ signal });
      await stream.close({ signal });
    } catch (error) {
      log.debug({ err: error }, "proof request failed");
      stream.abort(error as Error);
    }
  });
  return { stop: () => libp2p.unhandle(PROOF_PROTOCOL) };
}

/**
 * Asks `relay` for the proof of `tag` in its tree of `epoch`.
 *
 * @returns the sibling hashes, or null when the relay does not hold the tag
 * @throws ShopperError on a malformed answer; libp2p dial errors; AbortError on timeout
 * @example
 * const proof = await requestProof(node, multiaddr(entry.multiaddr), { epoch, tag });
 */
export async function requestProof(
  libp2p: Libp2p,
  relay: Multiaddr | PeerId,
  {
    epoch,
    tag,
    signal,
    timeoutMs = PROOF_TIMEOUT_MS,
  }: { epoch: bigint; tag: Uint8Array; signal?: AbortSignal; timeoutMs?: number },
): Promise<Uint8Array[] | null> {
  if (!(tag instanceof Uint8Array) || tag.length !== 32) throw new InvalidInputError("tag", "must be 32 bytes");
  const deadline = withDeadline(timeoutMs, signal); // not AbortSignal.any: see src/net/deadline.ts
  try {
    const stream = await libp2p.dialProtocol(relay, PROOF_PROTOCOL, { signal: deadline.signal });
    const req = new Uint8Array(REQUEST_SIZE);
    new DataView(req.buffer).setBigUint64(0, epoch);
    req.set(tag, 8);
    stream.send(req);
    await stream.close({ signal: deadline.signal });
    const res = await readExactly(stream, Number.MAX_SAFE_INTEGER, 2 + 32 * MAX_SIBLINGS);
    if (res.length < 2 || res.length !== 2 + 32 * res[1]! || res[1]! > MAX_SIBLINGS)
      throw new ShopperError("malformed proof response", { details: `${res.length} bytes` });
    if (res[0] === 0) return null;
    return Array.from({ length: res[1]! }, (_, i) => res.slice(2 + 32 * i, 34 + 32 * i));
  } finally {
    deadline.dispose();
  }
}
