/**
 * Channel tickets: EIP-712 typed data `Ticket{channel, amount, index, epoch,
 * winProb, challenge}` (EIP-712, https://eips.ethereum.org/EIPS/eip-712), the
 * 144-byte attachment that carries one, its signature in EIP-2098 compact form
 * (r ‖ vs), and the win rule shared with `PaymentChannels._redeem`.
 *
 * Digests are computed by hand (a fixed 224-byte `abi.encode`, native keccak) instead of
 * through viem's generic `hashTypedData`: a relay hashes a ticket per packet.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "#platform/keccak";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { ATTACHMENT_SIZE, EIP712_NAME, EIP712_VERSION, FIELD, MAX, TICKET_TYPE } from "./constants.js";
import { ChannelsInputError, TicketRejectedError } from "./errors.js";
import { nativeSecp256k1 } from "./secp.js";

export type Ticket = {
  /** `keccak256(abi.encode(source, destination))`. */
  channel: Hex;
  amount: bigint;
  index: bigint;
  /** Channel epoch (changes on every reopening), not the network epoch. */
  epoch: bigint;
  winProb: bigint;
  /** Address of the point response·G. */
  challenge: Address;
};

export type SignedTicket = Ticket & {
  /** 64 bytes, EIP-2098: r ‖ (yParity << 255 | s). */
  signature: Uint8Array;
};

/**
 * Signs a ticket's 32-byte EIP-712 digest with a secp256k1 key and returns the
 * 64-byte compact signature. `ticket` is passed too, for signers (JSON-RPC
 * wallets) that only sign typed data and hash it themselves.
 */
export type TicketSigner = {
  address: Address;
  signDigest(digest: Uint8Array, ticket: Ticket): Promise<Uint8Array> | Uint8Array;
};

const enc = new TextEncoder();
const HALF_N = secp256k1.Point.CURVE().n >> 1n;
const TYPEHASH = keccak256(enc.encode(TICKET_TYPE));
const DOMAIN_TYPEHASH = keccak256(
  enc.encode("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

/** Big-endian `value` into `out[offset .. offset+size)`. */
function putUint(out: Uint8Array, offset: number, size: number, value: bigint): void {
  let v = value;
  for (let i = offset + size - 1; i >= offset; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function getUint(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = offset; i < offset + size; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/**
 * EIP-712 domain separator of a PaymentChannels deployment (EIP-712 §Definition of domainSeparator).
 *
 * @param chainId the chain's id
 * @param verifyingContract the PaymentChannels address
 * @returns 32 bytes
 * @example
 * const ds = domainSeparator(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
 */
export function domainSeparator(chainId: number | bigint, verifyingContract: Address): Uint8Array {
  const buf = new Uint8Array(160);
  buf.set(DOMAIN_TYPEHASH, 0);
  buf.set(keccak256(enc.encode(EIP712_NAME)), 32);
  buf.set(keccak256(enc.encode(EIP712_VERSION)), 64);
  putUint(buf, 96, 32, BigInt(chainId));
  buf.set(hexToBytes(verifyingContract), 140);
  return keccak256(buf);
}

/** Throws unless every field fits its Solidity type. */
export function validateTicket(t: Ticket): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(t.channel)) throw new ChannelsInputError("ticket.channel", "must be 32 bytes hex");
  if (!/^0x[0-9a-fA-F]{40}$/.test(t.challenge)) throw new ChannelsInputError("ticket.challenge", "must be an address");
  for (const f of ["amount", "index", "epoch", "winProb"] as const)
    if (typeof t[f] !== "bigint" || t[f] < 0n || t[f] > MAX[f])
      throw new ChannelsInputError(`ticket.${f}`, `must be a bigint in [0, ${MAX[f]}]`);
}

/**
 * EIP-712 digest the channel source signs (`\x19\x01 ‖ domainSeparator ‖ hashStruct(ticket)`).
 *
 * @param ticket the ticket fields
 * @param domain `domainSeparator(chainId, contract)`
 * @returns 32 bytes, equal to `PaymentChannels.ticketDigest(...)`
 * @example
 * const digest = ticketDigest(ticket, domainSeparator(31337, channels));
 */
export function ticketDigest(ticket: Ticket, domain: Uint8Array): Uint8Array {
  const s = new Uint8Array(224);
  s.set(TYPEHASH, 0);
  s.set(hexToBytes(ticket.channel), 32);
  putUint(s, 64, 32, ticket.amount);
  putUint(s, 96, 32, ticket.index);
  putUint(s, 128, 32, ticket.epoch);
  putUint(s, 160, 32, ticket.winProb);
  s.set(hexToBytes(ticket.challenge), 204);
  const m = new Uint8Array(66);
  m[0] = 0x19;
  m[1] = 0x01;
  m.set(domain, 2);
  m.set(keccak256(s), 34);
  return keccak256(m);
}

/** Scratch words of `attachmentDigest`: only the value bytes change, so the zero padding stays zero. */
const STRUCT = new Uint8Array(224);
STRUCT.set(TYPEHASH, 0);
const MESSAGE = new Uint8Array(66);
MESSAGE[0] = 0x19;
MESSAGE[1] = 0x01;

/**
 * `ticketDigest` of an encoded attachment, read straight from its bytes: each
 * big-endian field is copied right-aligned into its 32-byte ABI word, with no
 * bigint or hex on the way (a relay hashes two tickets per packet).
 *
 * @param bytes a 144-byte attachment (the signature is not read)
 * @param domain `domainSeparator(chainId, contract)`
 * @returns 32 bytes, equal to `ticketDigest(decodeAttachment(bytes), domain)`
 */
export function attachmentDigest(bytes: Uint8Array, domain: Uint8Array): Uint8Array {
  if (bytes.length !== ATTACHMENT_SIZE)
    throw new TicketRejectedError("malformed", `attachment must be ${ATTACHMENT_SIZE} bytes, got ${bytes.length}`);
  // Synchronous from here to the return, so the shared scratch words are never seen half-written.
  STRUCT.set(bytes.subarray(0, 32), 32); // channel
  STRUCT.set(bytes.subarray(32, 44), 96 - FIELD.amount);
  STRUCT.set(bytes.subarray(44, 50), 128 - FIELD.index);
  STRUCT.set(bytes.subarray(50, 53), 160 - FIELD.epoch);
  STRUCT.set(bytes.subarray(53, 60), 192 - FIELD.winProb);
  STRUCT.set(bytes.subarray(60, 80), 204); // challenge
  MESSAGE.set(domain, 2);
  MESSAGE.set(keccak256(STRUCT), 34);
  return keccak256(MESSAGE);
}

/**
 * A signer over a raw secp256k1 private key (noble, RFC 6979 deterministic, low-s).
 *
 * @param privateKey 32 bytes or 0x-hex
 * @returns the signer and its Ethereum address
 * @example
 * const signer = privateKeySigner(generatePrivateKey());
 */
export function privateKeySigner(privateKey: Uint8Array | Hex): TicketSigner {
  const sk = typeof privateKey === "string" ? hexToBytes(privateKey) : privateKey;
  if (sk.length !== 32) throw new ChannelsInputError("privateKey", "must be 32 bytes");
  const address = publicKeyToAddress(secp256k1.getPublicKey(sk, false));
  return {
    address,
    signDigest(digest) {
      if (nativeSecp256k1) {
        // libsecp256k1: RFC 6979 and low-s like noble, so the same signature bytes.
        const { signature, recid } = nativeSecp256k1.ecdsaSign(digest, sk);
        const out = Uint8Array.from(signature);
        if (recid & 1) out[32]! |= 0x80;
        return out;
      }
      const rec = secp256k1.sign(digest, sk, { prehash: false, format: "recovered" });
      return toCompact(rec);
    },
  };
}

/** noble "recovered" format (recovery ‖ r ‖ s) → EIP-2098 (r ‖ yParity<<255 | s). */
function toCompact(rec: Uint8Array): Uint8Array {
  const out = rec.slice(1, 65);
  if (rec[0]! & 1) out[32]! |= 0x80;
  return out;
}

/** 65-byte Ethereum signature (r ‖ s ‖ v) → EIP-2098 compact. */
export function compactFromRsv(sig: Uint8Array): Uint8Array {
  if (sig.length !== 65) throw new ChannelsInputError("signature", "must be 65 bytes r‖s‖v");
  const out = sig.slice(0, 64);
  const v = sig[64]!;
  if (![0, 1, 27, 28].includes(v)) throw new ChannelsInputError("signature", `v must be 0, 1, 27 or 28, got ${v}`);
  // Low s (EIP-2) is below 2^255, which leaves the top bit free for yParity.
  if (out[32]! & 0x80) throw new ChannelsInputError("signature", "s is not low (EIP-2)");
  if (v === 28 || v === 1) out[32]! |= 0x80;
  return out;
}

/** Ethereum address of an uncompressed (65-byte) public key. */
export function publicKeyToAddress(uncompressed: Uint8Array): Address {
  return bytesToHex(keccak256(uncompressed.subarray(1)).subarray(12)) as Address;
}

/**
 * Signs a ticket with its channel source's key.
 *
 * @param ticket fields (validated first)
 * @param domain domain separator of the deployment
 * @param signer the channel source
 * @returns the ticket with its compact signature
 * @example
 * const signed = await signTicket(ticket, domain, privateKeySigner(key));
 */
export async function signTicket(ticket: Ticket, domain: Uint8Array, signer: TicketSigner): Promise<SignedTicket> {
  validateTicket(ticket);
  const signature = await signer.signDigest(ticketDigest(ticket, domain), ticket);
  return { ...ticket, signature };
}

/**
 * Recovers who signed a ticket digest, or null for a malformed signature.
 *
 * @param digest `ticketDigest(...)`
 * @param signature 64-byte compact signature
 * @returns the signer's address
 */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): Address | null {
  const key = recoverPublicKey(digest, signature);
  return key === null ? null : publicKeyToAddress(key);
}

/**
 * Recovers the signer's uncompressed (65-byte) public key, or null for a malformed or
 * high-s signature. A relay that knows a channel source's key compares keys and skips
 * the keccak that `recoverSigner` spends on the address.
 */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
  if (signature.length !== 64) return null;
  const rec = new Uint8Array(65);
  rec[0] = signature[32]! >> 7;
  rec.set(signature, 1);
  rec[33]! &= 0x7f;
  // OpenZeppelin's ECDSA rejects high-s signatures (EIP-2); so must we, or a
  // ticket accepted here would revert on chain.
  if (getUint(rec, 33, 32) > HALF_N) return null;
  if (nativeSecp256k1) {
    try {
      return nativeSecp256k1.ecdsaRecover(rec.subarray(1), rec[0]!, digest, false);
    } catch {
      return null;
    }
  }
  try {
    return secp256k1.Signature.fromBytes(rec, "recovered").recoverPublicKey(digest).toBytes(false);
  } catch {
    return null;
  }
}

/**
 * Whether `signature` is `publicKey`'s signature of `digest`, the yParity bit aside: (r, s) is
 * checked against a key the relay already holds, which costs less than recovering one (no
 * square root, no key to serialise; docs/channels.md §Relay CPU). High-s is refused as by
 * `recoverPublicKey`. The bit only steers `ecrecover` on chain; `withRecoveryBit` sets it right
 * before a ticket is kept for redemption.
 *
 * @param digest `ticketDigest(...)`
 * @param signature 64-byte compact signature
 * @param publicKey the signer's uncompressed (65-byte) key
 */
export function signedBy(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const rs = signature.slice();
  rs[32]! &= 0x7f;
  if (getUint(rs, 32, 32) > HALF_N) return false;
  try {
    if (nativeSecp256k1) return nativeSecp256k1.ecdsaVerify(rs, digest, publicKey);
    return secp256k1.verify(rs, digest, publicKey, { prehash: false, lowS: true, format: "compact" });
  } catch {
    return false; // r or s out of range, or a key that is not a point
  }
}

/**
 * `signature` with its yParity bit set so that `ecrecover(digest, …)` yields `publicKey` (what
 * `PaymentChannels` checks), or null when neither bit does. Run for winners only: a source
 * that sends the wrong bit gains nothing, since the relay redeems with the right one.
 */
export function withRecoveryBit(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  if (signature.length !== 64) return null;
  const given = signature[32]! >> 7;
  for (const parity of [given, given ^ 1]) {
    const sig = signature.slice();
    sig[32] = (sig[32]! & 0x7f) | (parity << 7);
    const key = recoverPublicKey(digest, sig);
    if (key !== null && equalBytes(key, publicKey)) return sig;
  }
  return null;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The ticket's 56-bit luck: top 56 bits of keccak256(digest ‖ response ‖ roundSecret), as `_redeem`
 * computes it. `roundSecret` is the redeemer's secret of the ticket's round (`roundOf(index)`),
 * unknown to the signer (docs/channels.md §Win rule).
 *
 * @param digest ticket digest
 * @param response the proof-of-relay scalar
 * @param roundSecret 32 bytes
 * @returns luck in [0, 2^56)
 */
export function ticketLuck(digest: Uint8Array, response: bigint, roundSecret: Uint8Array): bigint {
  if (roundSecret.length !== 32) throw new ChannelsInputError("roundSecret", "must be 32 bytes");
  const m = new Uint8Array(96);
  m.set(digest, 0);
  putUint(m, 32, 32, response);
  m.set(roundSecret, 64);
  return getUint(keccak256(m), 0, 7);
}

/** True when the ticket wins: luck ≤ winProb (probability (winProb+1)/2^56). */
export function isWinning(digest: Uint8Array, response: bigint, roundSecret: Uint8Array, winProb: bigint): boolean {
  return ticketLuck(digest, response, roundSecret) <= winProb;
}

/** A ticket index carries its lottery round above this many bits: `index = round << 24 | n`. */
export const ROUND_SHIFT = 24n;

/** The lottery round a ticket index names. */
export function roundOf(index: bigint): bigint {
  return index >> ROUND_SHIFT;
}

/** `keccak256(abi.encode(secret))`: what `commitRound` stores for a round secret. */
export function roundCommitment(secret: Uint8Array): Hex {
  if (secret.length !== 32) throw new ChannelsInputError("roundSecret", "must be 32 bytes");
  return bytesToHex(keccak256(secret));
}

/**
 * Serialises a signed ticket into the 144-byte attachment.
 *
 * @param t signed ticket
 * @returns channel‖amount‖index‖epoch‖winProb‖challenge‖signature
 */
export function encodeAttachment(t: SignedTicket): Uint8Array {
  if (t.signature.length !== FIELD.signature) throw new ChannelsInputError("ticket.signature", "must be 64 bytes");
  const out = encodeUnsigned(t);
  out.set(t.signature, 80);
  return out;
}

/** The attachment of a ticket with its signature left zero (validated first). */
function encodeUnsigned(t: Ticket): Uint8Array {
  validateTicket(t);
  const out = new Uint8Array(ATTACHMENT_SIZE);
  out.set(hexToBytes(t.channel), 0);
  putUint(out, 32, FIELD.amount, t.amount);
  putUint(out, 44, FIELD.index, t.index);
  putUint(out, 50, FIELD.epoch, t.epoch);
  putUint(out, 53, FIELD.winProb, t.winProb);
  out.set(hexToBytes(t.challenge), 60);
  return out;
}

/**
 * Signs a ticket and returns its attachment in one pass: the digest is taken
 * from the encoded bytes (`attachmentDigest`), so the fields are encoded once.
 * Same bytes as `encodeAttachment(await signTicket(ticket, domain, signer))`.
 *
 * @param ticket fields (validated first)
 * @param domain domain separator of the deployment
 * @param signer the channel source
 * @returns the 144-byte attachment
 */
export async function signAttachment(ticket: Ticket, domain: Uint8Array, signer: TicketSigner): Promise<Uint8Array> {
  const out = encodeUnsigned(ticket);
  const signature = await signer.signDigest(attachmentDigest(out, domain), ticket);
  if (signature.length !== FIELD.signature) throw new ChannelsInputError("ticket.signature", "must be 64 bytes");
  out.set(signature, 80);
  return out;
}

/**
 * Parses a 144-byte attachment.
 *
 * @param bytes attachment
 * @returns the signed ticket
 * @throws TicketRejectedError("malformed") on a wrong length
 */
export function decodeAttachment(bytes: Uint8Array): SignedTicket {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ATTACHMENT_SIZE)
    throw new TicketRejectedError("malformed", `attachment must be ${ATTACHMENT_SIZE} bytes, got ${bytes?.length}`);
  return {
    channel: bytesToHex(bytes.subarray(0, 32)),
    amount: getUint(bytes, 32, FIELD.amount),
    index: getUint(bytes, 44, FIELD.index),
    epoch: getUint(bytes, 50, FIELD.epoch),
    winProb: getUint(bytes, 53, FIELD.winProb),
    challenge: bytesToHex(bytes.subarray(60, 80)) as Address,
    signature: bytes.slice(80, 144),
  };
}

/** What a reply block carries for its first hop: the ticket fields that do not name a payer. */
export type ReplyTemplate = { amount: bigint; winProb: bigint; challenge: Address };

/**
 * A reply block's blank ticket (docs/channels.md §Replies): an attachment with
 * only amount, winProb and challenge set; channel, index, epoch and signature
 * are zero, so the block names no channel and no signer. The replier fills
 * them in from its own channel (`ChannelsClient.payReply`).
 *
 * @returns 144 bytes
 */
export function encodeReplyTemplate(t: ReplyTemplate): Uint8Array {
  if (t.amount < 0n || t.amount > MAX.amount)
    throw new ChannelsInputError("reply.amount", `must be in [0, ${MAX.amount}]`);
  if (t.winProb < 0n || t.winProb > MAX.winProb)
    throw new ChannelsInputError("reply.winProb", `must be in [0, ${MAX.winProb}]`);
  if (!/^0x[0-9a-fA-F]{40}$/.test(t.challenge)) throw new ChannelsInputError("reply.challenge", "must be an address");
  const out = new Uint8Array(ATTACHMENT_SIZE);
  putUint(out, 32, FIELD.amount, t.amount);
  putUint(out, 53, FIELD.winProb, t.winProb);
  out.set(hexToBytes(t.challenge), 60);
  return out;
}

/**
 * Parses a reply block's blank ticket.
 *
 * @throws ChannelsInputError when it is not 144 bytes or any field that names a payer is set
 */
export function decodeReplyTemplate(bytes: Uint8Array): ReplyTemplate {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ATTACHMENT_SIZE)
    throw new ChannelsInputError("reply.attachment", `must be ${ATTACHMENT_SIZE} bytes, got ${bytes?.length}`);
  const blank = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  if (!blank(0, 32) || !blank(44, 53) || !blank(80, 144))
    throw new ChannelsInputError(
      "reply.attachment",
      "channel, index, epoch and signature must be zero in a reply block",
      {
        hint: "the block was built by a client that signs reply tickets itself (it names its builder); ask for a new one",
      },
    );
  return {
    amount: getUint(bytes, 32, FIELD.amount),
    winProb: getUint(bytes, 53, FIELD.winProb),
    challenge: bytesToHex(bytes.subarray(60, 80)) as Address,
  };
}

/** Argument for `PaymentChannels.redeemTicket(s)`. */
export type RedeemableTicket = {
  source: Address;
  channel: Hex;
  amount: bigint;
  index: number;
  epoch: number;
  winProb: bigint;
  challenge: Address;
  response: bigint;
  r: Hex;
  vs: Hex;
  roundSecret: Hex;
};

/**
 * Builds the contract argument for a winning ticket.
 *
 * @param t the signed ticket
 * @param source the channel source (the signer)
 * @param response the unlocked proof-of-relay scalar
 * @param roundSecret the redeemer's secret of the ticket's round
 */
export function toRedeemable(
  t: SignedTicket,
  source: Address,
  response: bigint,
  roundSecret: Uint8Array,
): RedeemableTicket {
  return {
    source,
    channel: t.channel,
    amount: t.amount,
    index: Number(t.index),
    epoch: Number(t.epoch),
    winProb: t.winProb,
    challenge: t.challenge,
    response,
    r: bytesToHex(t.signature.subarray(0, 32)),
    vs: bytesToHex(t.signature.subarray(32, 64)),
    roundSecret: bytesToHex(roundSecret),
  };
}
