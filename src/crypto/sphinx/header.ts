/**
 * The Sphinx header: BOLT #4 onion construction (Lightning
 * `04-onion-routing.md`, sections "Shared Secret", "Blinding Ephemeral Onion
 * Keys", "Filler Generation", "Packet Construction", "Onion Decryption"),
 * written once over `SphinxGroup`. Hop payloads are opaque bigsize-framed
 * bytes here; Obol's hop payload format lives in `hop.ts`.
 *
 * Layout: version (1) ‖ E (group.elementSize) ‖ routing info (routingInfoSize) ‖ HMAC (32).
 */
import { primitives } from "#platform/crypto";
import { readBigsize } from "./bigsize.js";
import { HASH_SIZE, LABELS, SPHINX_VERSION } from "./constants.js";
import {
  SphinxHopPayloadError,
  SphinxInputError,
  SphinxMacError,
  SphinxSizeError,
  SphinxVersionError,
} from "./errors.js";
import type { SphinxGroup } from "./group.js";
import {
  chacha20Stream,
  chacha20Xor,
  checkSecret,
  equalBytes,
  generateKey,
  hmacSha256,
  isZero,
  sha256,
} from "./keys.js";
import { MAX_HOPS_LIMIT, headerSize } from "./params.js";

export type HopSecrets = {
  /** E_0: the ephemeral key in the first hop's header. */
  ephemeralKey: Uint8Array;
  /** ss_i of every hop, in route order. */
  secrets: Uint8Array[];
  /** BOLT #4 `pad` key (from the session key) that initialises the routing info. */
  padKey: Uint8Array;
};

/**
 * Derives every hop's shared secret from the sender's session key (BOLT #4
 * "Shared Secret"/"Blinding"). Hop i's secret is `SHA256(b_{i-1}·…·b_0·e·PK_i)`,
 * computed by applying the session key and then each blinding factor to
 * `PK_i` in turn, which also works for clamped X25519 scalars.
 *
 * @param p.group the group of the network
 * @param p.sessionKey fresh random secret key of the sender (never reuse)
 * @param p.publicKeys the hops' public keys in route order (1..20)
 * @returns E_0, ss_0…ss_{n−1} and the routing-info pad key
 * @example
 * const { ephemeralKey, secrets, padKey } = deriveHopSecrets({ group: x25519Group, sessionKey, publicKeys });
 */
export function deriveHopSecrets({
  group,
  sessionKey,
  publicKeys,
}: {
  group: SphinxGroup;
  sessionKey: Uint8Array;
  publicKeys: readonly Uint8Array[];
}): HopSecrets {
  if (!Array.isArray(publicKeys) || publicKeys.length < 1 || publicKeys.length > MAX_HOPS_LIMIT)
    throw new SphinxInputError("publicKeys", `must hold 1..${MAX_HOPS_LIMIT} keys`);
  publicKeys.forEach((pk, i) => {
    try {
      group.checkElement(pk);
    } catch (cause) {
      throw new SphinxInputError(`publicKeys[${i}]`, `not a valid ${group.name} public key`, { cause });
    }
  });
  if (!(sessionKey instanceof Uint8Array) || sessionKey.length !== group.scalarSize)
    throw new SphinxInputError("sessionKey", `must be ${group.scalarSize} bytes`);
  const ephemeralKey = group.publicKey(sessionKey); // secp256k1: also checks 0 < sessionKey < n
  const scalars: Uint8Array[] = [sessionKey];
  const secrets: Uint8Array[] = [];
  let e = ephemeralKey;
  for (let i = 0; i < publicKeys.length; i++) {
    let point = publicKeys[i]!;
    try {
      point = group.multiply(sessionKey, point);
    } catch (cause) {
      throw new SphinxInputError(`publicKeys[${i}]`, `not a usable ${group.name} public key (low order?)`, { cause });
    }
    for (const s of scalars.slice(1)) point = group.multiply(s, point);
    const ss = sha256(point);
    secrets.push(ss);
    if (i === publicKeys.length - 1) break;
    const b = sha256(e, ss);
    e = group.multiply(b, e);
    scalars.push(b);
  }
  return { ephemeralKey, secrets, padKey: generateKey(LABELS.pad, sessionKey) };
}

/**
 * Builds a header (BOLT #4 "Packet Construction"): version 0 ‖ E ‖ routing info ‖ HMAC.
 *
 * @param p.routingInfoSize routing info bytes (1300 in Lightning; `params.routingInfoSize` in Obol)
 * @param p.ephemeralKey E_0 from `deriveHopSecrets`
 * @param p.secrets ss_i from `deriveHopSecrets`
 * @param p.hopPayloads one per hop, each already bigsize length-prefixed
 * @param p.associatedData bytes every hop MAC also covers
 * @param p.padKey BOLT #4 pad key; when omitted the initial routing info is random
 * @returns the header bytes and the header MAC each hop receives (its packetRef), in route order
 * @example
 * const { header } = createHeader({ group, routingInfoSize: 1300, ...deriveHopSecrets(…), hopPayloads, associatedData });
 */
export function createHeader({
  group,
  routingInfoSize: size,
  ephemeralKey,
  secrets,
  hopPayloads,
  associatedData,
  padKey,
}: {
  group: SphinxGroup;
  routingInfoSize: number;
  ephemeralKey: Uint8Array;
  secrets: readonly Uint8Array[];
  hopPayloads: readonly Uint8Array[];
  associatedData: Uint8Array;
  padKey?: Uint8Array | undefined;
}): { header: Uint8Array; macs: Uint8Array[] } {
  if (!Number.isInteger(size) || size < 1 || size > 0xffff)
    throw new SphinxInputError("routingInfoSize", "must be an integer in [1, 65535]");
  group.checkElement(ephemeralKey);
  if (!Array.isArray(secrets) || secrets.length < 1 || secrets.length > MAX_HOPS_LIMIT)
    throw new SphinxInputError("secrets", `must hold 1..${MAX_HOPS_LIMIT} secrets`);
  secrets.forEach((ss, i) => {
    checkSecret(`secrets[${i}]`, ss);
  });
  if (!Array.isArray(hopPayloads) || hopPayloads.length !== secrets.length)
    throw new SphinxInputError("hopPayloads", `must hold one payload per secret (${secrets.length})`);
  let total = 0;
  hopPayloads.forEach((payload, i) => {
    const prefix = payload instanceof Uint8Array ? readBigsize(payload, 0) : null;
    if (!prefix || prefix.value === 0 || prefix.size + prefix.value !== payload.length)
      throw new SphinxInputError(
        `hopPayloads[${i}]`,
        "must be a non-empty payload with its minimal bigsize length prefix",
      );
    total += payload.length + HASH_SIZE;
  });
  if (total > size) throw new SphinxInputError("hopPayloads", `need ${total} bytes of routing info, have ${size}`);
  if (!(associatedData instanceof Uint8Array)) throw new SphinxInputError("associatedData", "must be a Uint8Array");
  if (padKey !== undefined) checkSecret("padKey", padKey);

  const n = secrets.length;
  const shifts = hopPayloads.map((payload) => payload.length + HASH_SIZE);
  const rho = secrets.map((ss) => generateKey(LABELS.rho, ss));

  // Filler (BOLT #4 "Filler Generation"): what hops 0..n-2 shift in from the
  // zero-extended end of the routing info, so the last hops' HMACs cover it.
  const fillerSize = total - shifts[n - 1]!;
  const filler = new Uint8Array(fillerSize);
  let start = size;
  for (let i = 0; i < n - 1; i++) {
    const end = size + shifts[i]!;
    const stream = chacha20Stream(rho[i]!, end);
    for (let j = 0; j < end - start; j++) filler[j]! ^= stream[start + j]!;
    start -= shifts[i]!;
  }

  let mix: Uint8Array = padKey ? chacha20Stream(padKey, size) : primitives.randomBytes(size);
  let nextMac: Uint8Array = new Uint8Array(HASH_SIZE); // all-zero: marks the final hop
  const macs: Uint8Array[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const payload = hopPayloads[i]!;
    mix.copyWithin(shifts[i]!, 0, size - shifts[i]!); // right shift
    mix.set(payload, 0);
    mix.set(nextMac, payload.length);
    mix = chacha20Xor(rho[i]!, mix);
    if (i === n - 1) mix.set(filler, size - fillerSize);
    nextMac = hmacSha256(generateKey(LABELS.mu, secrets[i]!), mix, associatedData);
    macs[i] = nextMac;
  }
  const header = new Uint8Array(headerSize(group, size));
  header[0] = SPHINX_VERSION;
  header.set(ephemeralKey, 1);
  header.set(mix, 1 + group.elementSize);
  header.set(nextMac, 1 + group.elementSize + size);
  return { header, macs };
}

export type PeeledHeader = {
  /** This hop's shared secret. */
  ss: Uint8Array;
  /** The hop payload including its bigsize length prefix. */
  hopPayload: Uint8Array;
  /** Whether this hop is the final one (next HMAC all zero). */
  final: boolean;
  /** The header to forward, or null when this hop is the final one. */
  nextHeader: Uint8Array | null;
  /** The incoming header MAC (names the packet between the previous hop and us). */
  mac: Uint8Array;
};

/**
 * Peels one layer off a header (BOLT #4 "Onion Decryption"): checks the
 * version and the HMAC, decrypts the routing info, extracts this hop's
 * payload and builds the next header with the blinded ephemeral key.
 *
 * @param p.secretKey this hop's secret key, or
 * @param p.ss the shared secret if already computed (e.g. for the replay check)
 * @param p.out where to write the next header (from offset 0; the packet peel writes header and body into one buffer)
 * @returns ss, hop payload (framed), next header (null at the final hop), incoming MAC
 * @throws SphinxSizeError, SphinxVersionError, SphinxPointError, SphinxMacError, SphinxHopPayloadError
 * @example
 * const { hopPayload, nextHeader } = peelHeader({ group, routingInfoSize: 1300, secretKey, header, associatedData });
 */
export function peelHeader({
  group,
  routingInfoSize,
  secretKey,
  ss,
  header,
  associatedData,
  out,
}: {
  group: SphinxGroup;
  routingInfoSize: number;
  secretKey?: Uint8Array | undefined;
  ss?: Uint8Array | undefined;
  header: Uint8Array;
  associatedData: Uint8Array;
  out?: Uint8Array | undefined;
}): PeeledHeader {
  if (!Number.isInteger(routingInfoSize) || routingInfoSize < 1 || routingInfoSize > 0xffff)
    throw new SphinxInputError("routingInfoSize", "must be an integer in [1, 65535]");
  if (!(header instanceof Uint8Array)) throw new SphinxInputError("header", "must be a Uint8Array");
  const expected = headerSize(group, routingInfoSize);
  if (header.length !== expected) throw new SphinxSizeError("header", expected, header.length);
  if (!(associatedData instanceof Uint8Array)) throw new SphinxInputError("associatedData", "must be a Uint8Array");
  if (ss !== undefined) checkSecret("ss", ss);
  else if (secretKey === undefined) throw new SphinxInputError("secretKey", "give either secretKey or ss");
  checkVersion(header);
  const secret = ss ?? computeSharedSecret(group, secretKey!, header.subarray(1, 1 + group.elementSize));
  const peeled = peelWithSecret(group, routingInfoSize, secret, header, associatedData, out);
  return { ...peeled, nextHeader: peeled.final ? null : peeled.next };
}

/** Throws `SphinxVersionError` unless the first byte is version 0. */
export function checkVersion(bytes: Uint8Array): void {
  if (bytes[0] !== SPHINX_VERSION) throw new SphinxVersionError(bytes[0] ?? -1);
}

/**
 * This hop's shared secret `ss = SHA256(X25519(sk, E))` (or the secp256k1
 * analogue; BOLT #4 "Shared Secret"), so a relay can look up the replay tag
 * before the rest of the peel.
 *
 * @param p.secretKey the relay's mix secret key
 * @param p.packet the received packet or header (only version and E are read)
 * @returns ss, 32 bytes; pass it back to `peelPacket({ …, ss })`
 * @throws SphinxVersionError, SphinxPointError (low-order or non-canonical E)
 * @example
 * const ss = sharedSecret({ group, secretKey, packet });
 * if (replayStore.has(replayTag(ss))) return; // replay
 */
export function sharedSecret({
  group,
  secretKey,
  packet,
}: {
  group: SphinxGroup;
  secretKey: Uint8Array;
  packet: Uint8Array;
}): Uint8Array {
  if (!(packet instanceof Uint8Array) || packet.length < 1 + group.elementSize)
    throw new SphinxInputError("packet", `must be a Uint8Array of at least ${1 + group.elementSize} bytes`);
  checkVersion(packet);
  return computeSharedSecret(group, secretKey, packet.subarray(1, 1 + group.elementSize));
}

/** ss = SHA256(multiply(sk, E)) (BOLT #4 "Shared Secret"; for X25519 the u-coordinate). */
function computeSharedSecret(group: SphinxGroup, secretKey: Uint8Array, ephemeralKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== group.scalarSize)
    throw new SphinxInputError("secretKey", `must be ${group.scalarSize} bytes`);
  return sha256(group.multiply(secretKey, ephemeralKey));
}

/**
 * The peel proper, for a header whose size and version are already checked.
 * Writes the next header into `out` (from offset 0) when given, else into a new buffer.
 */
function peelWithSecret(
  group: SphinxGroup,
  size: number,
  ss: Uint8Array,
  header: Uint8Array,
  associatedData: Uint8Array,
  out: Uint8Array | undefined,
): { ss: Uint8Array; hopPayload: Uint8Array; final: boolean; next: Uint8Array; mac: Uint8Array } {
  const eSize = group.elementSize;
  const ephemeralKey = header.subarray(1, 1 + eSize);
  const routing = header.subarray(1 + eSize, 1 + eSize + size);
  const mac = header.slice(1 + eSize + size, 1 + eSize + size + HASH_SIZE);
  const check = hmacSha256(generateKey(LABELS.mu, ss), routing, associatedData);
  if (!equalBytes(check, mac)) throw new SphinxMacError();

  // Decrypt routing info ‖ zeros(size): the zero tail becomes the bytes
  // shifted in, exactly the filler the sender precomputed.
  const extended = new Uint8Array(2 * size);
  extended.set(routing, 0);
  const plain = chacha20Xor(generateKey(LABELS.rho, ss), extended, extended); // in place
  const prefix = readBigsize(plain, 0);
  if (!prefix || prefix.value === 0) throw new SphinxHopPayloadError("invalid or zero bigsize length");
  const payloadEnd = prefix.size + prefix.value;
  if (payloadEnd + HASH_SIZE > size)
    throw new SphinxHopPayloadError(`length ${prefix.value} overruns the routing info`);
  const hopPayload = plain.subarray(0, payloadEnd);
  const nextMac = plain.subarray(payloadEnd, payloadEnd + HASH_SIZE);
  const final = isZero(nextMac);
  const next = out ?? new Uint8Array(1 + eSize + size + HASH_SIZE);
  if (!final) {
    const nextKey = group.multiply(sha256(ephemeralKey, ss), ephemeralKey); // E' = b·E, b = SHA256(E ‖ ss)
    next[0] = SPHINX_VERSION;
    next.set(nextKey, 1);
    next.set(plain.subarray(payloadEnd + HASH_SIZE, payloadEnd + HASH_SIZE + size), 1 + eSize);
    next.set(nextMac, 1 + eSize + size);
  }
  return { ss, hopPayload, final, next, mac };
}
