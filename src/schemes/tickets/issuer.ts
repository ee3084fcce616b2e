/**
 * The token issuer (docs/tickets.md, "Issuer"): signs blinded points over the
 * libp2p protocol `/obol/issue/1`, only against a confirmed deposit on the
 * TicketBank, once per deposit, for exactly the deposit's count.
 *
 * What it stores, durably, in `tk_issued`: deposit id → count signed. Never
 * the blinded points or signatures: those are uniformly random anyway
 * (perfect blindness), and not keeping them means a seized issuer database
 * holds nothing beyond what the chain already shows (deposit, owner, count).
 *
 * Wire: one JSON message each way on a fresh stream, at most
 * {@link MAX_MESSAGE_BYTES}. Request `{ depositId, blinded: hex[], signature }`
 * where `signature` is the deposit owner's EIP-191 signature over
 * {@link issuanceDigest}; reply `{ ok: true, signatures: hex[] }` or
 * `{ ok: false, reason, detail }`.
 */
import type { SqlDatabase } from "../../store/port.js";
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import {
  bytesToHex,
  concat,
  encodePacked,
  hexToBytes,
  isHex,
  keccak256,
  recoverMessageAddress,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import type { Logger } from "../../log.js";
import type { ChainClients } from "../../chain/types.js";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { InvalidPointError } from "../../crypto/blind/errors.js";
import { ISSUE_PROTOCOL } from "./constants.js";
import { IssuanceRefusedError, type IssuanceRefusal } from "./errors.js";
import { ticketBank } from "./bank.js";
import { sleep } from "../../sleep.js";
import { withDeadline } from "../../net/deadline.js";

/** Largest request or reply (a 4,096-token deposit in hex JSON is ≈ 400 KiB). */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Largest deposit the issuer signs in one request. */
export const MAX_ISSUE_COUNT = 4096;
/** Budget of one issuance exchange. */
export const ISSUE_TIMEOUT_MS = 30_000;
/** Longest the issuer waits for a deposit to reach its confirmation depth (inside the exchange budget). */
export const CONFIRMATION_WAIT_MS = 20_000;
/** How often it looks at the head while waiting. */
const CONFIRMATION_POLL_MS = 200;

export type IssueRequest = { depositId: bigint; blinded: Uint8Array[]; signature: Hex };

/**
 * What the deposit owner signs (EIP-191) to ask for issuance: binds chain,
 * bank, issuer, deposit and the exact blinded points, so nobody else can
 * spend the deposit's issuance and the issuer cannot swap points.
 *
 * @returns 32-byte digest
 * @example
 * const sig = await wallet.signMessage({ message: { raw: issuanceDigest(...) } });
 */
export function issuanceDigest(
  chainId: number,
  bank: Address,
  issuer: Address,
  depositId: bigint,
  blinded: readonly Uint8Array[],
): Hex {
  return keccak256(
    encodePacked(
      ["string", "uint256", "address", "address", "uint256", "bytes32"],
      [
        "obol-issue-v1",
        BigInt(chainId),
        bank,
        issuer,
        depositId,
        keccak256(blinded.length ? concat(blinded.map((b) => bytesToHex(b))) : "0x"),
      ],
    ),
  );
}

export type IssuerParameters = {
  chain: ChainClients;
  db: SqlDatabase;
  log: Logger;
  bls: BlindBls;
  /** 32-byte BLS secret key whose public key is registered on the bank. */
  secretKey: Uint8Array;
  /** Blocks a deposit must be buried under before it counts (default 1: mined). */
  confirmations?: number;
  /** Longest wait for a deposit to reach that depth before refusing (default {@link CONFIRMATION_WAIT_MS}). */
  confirmationWaitMs?: number;
};

/** The signing core, independent of the network (tests call it directly). */
export class Issuer {
  readonly #p: IssuerParameters;
  readonly #claim;

  constructor(p: IssuerParameters) {
    this.#p = p;
    p.db.exec(
      "CREATE TABLE IF NOT EXISTS tk_issued (deposit_id TEXT PRIMARY KEY, count INTEGER NOT NULL, signed_ms INTEGER NOT NULL) WITHOUT ROWID",
    );
    this.#claim = p.db.prepare(
      "INSERT INTO tk_issued (deposit_id, count, signed_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
  }

  /** Total tokens signed so far (for `obol issuer` status). */
  signedTotal(): number {
    return Number((this.#p.db.prepare("SELECT COALESCE(SUM(count), 0) AS n FROM tk_issued").get() as { n: number }).n);
  }

  /**
   * Signs every blinded point of a request, or refuses with a reason.
   *
   * @param request deposit id, blinded points, owner signature
   * @returns blind signatures in request order
   * @throws IssuanceRefusedError
   */
  async issue({ depositId, blinded, signature }: IssueRequest): Promise<Uint8Array[]> {
    const { chain, bls, secretKey, log } = this.#p;
    const bank = ticketBank(chain);
    const d = await this.#confirmedDeposit(depositId);
    if (d.issuer.toLowerCase() !== chain.account.toLowerCase()) throw new IssuanceRefusedError("wrong-issuer");
    if (blinded.length !== d.count)
      throw new IssuanceRefusedError("wrong-count", { details: `deposit is for ${d.count}, got ${blinded.length}` });
    if (d.epoch + 1n < (await bank.read.currentEpoch())) throw new IssuanceRefusedError("expired-deposit");
    const digest = issuanceDigest(chain.deployment.chainId, bank.address, chain.account, depositId, blinded);
    let signer: Address;
    try {
      signer = await recoverMessageAddress({ message: { raw: digest }, signature });
    } catch (cause) {
      throw new IssuanceRefusedError("not-owner", { cause });
    }
    if (signer.toLowerCase() !== d.owner.toLowerCase()) throw new IssuanceRefusedError("not-owner");
    let signatures: Uint8Array[];
    try {
      signatures = blinded.map((b) => bls.signBlinded(secretKey, b));
    } catch (cause) {
      if (cause instanceof InvalidPointError)
        throw new IssuanceRefusedError("bad-point", { details: cause.shortMessage, cause });
      throw cause;
    }
    // Check-and-record in one statement: a second request for this deposit finds the row.
    const claimed = this.#claim.run(depositId.toString(), blinded.length, Date.now()).changes === 1;
    if (!claimed) throw new IssuanceRefusedError("already-signed", { details: `deposit ${depositId}` });
    log.info({ deposit: depositId.toString(), count: blinded.length }, "issued tokens");
    return signatures;
  }

  /**
   * The deposit as of `confirmations` blocks deep, waiting for it (bounded).
   * The buyer asks right after its own receipt, and the issuer's node may
   * not have that block yet, or not enough blocks on top: this is a protocol
   * race, not an error (issue 10, finding 4). Refuses with
   * `unconfirmed-deposit` (seen, too shallow) or `unknown-deposit` (never seen)
   * once the wait is over.
   */
  async #confirmedDeposit(depositId: bigint) {
    const { confirmationWaitMs = CONFIRMATION_WAIT_MS } = this.#p;
    const confirmations = Math.max(1, this.#p.confirmations ?? 1);
    const deadline = Date.now() + confirmationWaitMs;
    for (;;) {
      const view = await this.#lookAt(depositId, confirmations);
      if (view.deposit && view.depth >= confirmations) return view.deposit;
      if (Date.now() >= deadline) {
        if (view.depth > 0)
          throw new IssuanceRefusedError("unconfirmed-deposit", {
            details: `deposit ${depositId} has ${view.depth} of ${confirmations} confirmations; ask again once it has ${confirmations}`,
          });
        throw new IssuanceRefusedError("unknown-deposit", {
          details: `deposit ${depositId} is not on the issuer's chain after ${confirmationWaitMs} ms; check the deposit transaction`,
        });
      }
      await sleep(CONFIRMATION_POLL_MS);
    }
  }

  /** How deep the deposit is at the issuer's current head (0: not seen), and its record once deep enough. */
  async #lookAt(depositId: bigint, confirmations: number): Promise<DepositView> {
    const bank = ticketBank(this.#p.chain);
    // A fresh head: viem caches the block number for the polling interval, and a
    // deposit mined since the last read would look unknown (issue 15).
    const head = await this.#p.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const deep = head - BigInt(confirmations - 1);
    if (deep >= 0n) {
      const d = await bank.read.depositOf([depositId], { blockNumber: deep });
      if (d.owner !== zeroAddress) return { depth: confirmations, deposit: d };
    }
    // Not deep enough: find how deep it is (for the refusal) from the newest block down.
    for (let depth = 1; depth < confirmations && head - BigInt(depth - 1) >= 0n; depth++) {
      const d = await bank.read.depositOf([depositId], { blockNumber: head - BigInt(depth - 1) });
      if (d.owner === zeroAddress) return { depth: depth - 1, deposit: null };
    }
    return { depth: confirmations - 1, deposit: null };
  }
}

/** Outcome of one look at a deposit: confirmed, mined but shallower than the depth, or not seen. */
type DepositView = {
  depth: number;
  deposit: Awaited<ReturnType<ReturnType<typeof ticketBank>["read"]["depositOf"]>> | null;
};

async function readAll(stream: Stream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    size += bytes.length;
    if (size > MAX_MESSAGE_BYTES) throw new IssuanceRefusedError("malformed-request", { details: "message too large" });
    chunks.push(bytes);
  }
  return concat(chunks); // viem: bytes in, bytes out (no Node Buffer, so the page can run this)
}

function parseRequest(bytes: Uint8Array): IssueRequest {
  const j = JSON.parse(new TextDecoder().decode(bytes)) as {
    depositId?: unknown;
    blinded?: unknown;
    signature?: unknown;
  };
  if (typeof j.depositId !== "string" || !/^[0-9]{1,30}$/.test(j.depositId)) throw new Error("depositId");
  if (!Array.isArray(j.blinded) || j.blinded.length === 0 || j.blinded.length > MAX_ISSUE_COUNT)
    throw new Error("blinded");
  if (!isHex(j.signature)) throw new Error("signature");
  const blinded = j.blinded.map((b) => {
    if (!isHex(b)) throw new Error("blinded");
    return hexToBytes(b);
  });
  return { depositId: BigInt(j.depositId), blinded, signature: j.signature };
}

/**
 * Serves `/obol/issue/1` on a libp2p node until the returned stop is called.
 *
 * @param libp2p the issuer's node
 * @param issuer the signing core
 * @param log logger
 * @returns stop: unregisters the protocol
 * @example
 * const stop = await serveIssuer(node, new Issuer({ chain, db, log, bls, secretKey }), log);
 */
export async function serveIssuer(libp2p: Libp2p, issuer: Issuer, log: Logger): Promise<() => Promise<void>> {
  await libp2p.handle(ISSUE_PROTOCOL, async (stream: Stream) => {
    const timer = setTimeout(() => stream.abort(new Error("issue timeout")), ISSUE_TIMEOUT_MS);
    let reply: unknown;
    try {
      let request: IssueRequest;
      try {
        request = parseRequest(await readAll(stream));
      } catch (cause) {
        throw cause instanceof IssuanceRefusedError
          ? cause
          : new IssuanceRefusedError("malformed-request", { details: (cause as Error).message });
      }
      reply = { ok: true, signatures: (await issuer.issue(request)).map((s) => bytesToHex(s)) };
    } catch (error) {
      const reason: IssuanceRefusal = error instanceof IssuanceRefusedError ? error.reason : "malformed-request";
      log.warn({ reason, err: (error as Error).message }, "issuance refused");
      reply = { ok: false, reason, detail: (error as Error).message.split("\n")[0] };
    } finally {
      clearTimeout(timer);
    }
    try {
      stream.send(new TextEncoder().encode(JSON.stringify(reply)));
      await stream.close();
    } catch (error) {
      log.debug({ err: error }, "issue reply not delivered");
    }
  });
  return () => libp2p.unhandle(ISSUE_PROTOCOL);
}

/**
 * Client side of `/obol/issue/1`: sends one request, returns the blind signatures.
 *
 * @param libp2p the client's node
 * @param issuerPeer issuer's multiaddr or peer id
 * @param request deposit id, blinded points, owner signature
 * @returns blind signatures in request order
 * @throws IssuanceRefusedError
 * @example
 * const sigs = await requestIssuance(node, multiaddr(issuerAddr), { depositId, blinded, signature });
 */
export async function requestIssuance(
  libp2p: Libp2p,
  issuerPeer: Multiaddr | PeerId,
  request: IssueRequest,
  { signal, timeoutMs = ISSUE_TIMEOUT_MS }: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Uint8Array[]> {
  const deadline = withDeadline(timeoutMs, signal); // not AbortSignal.any: see src/net/deadline.ts
  const budget = deadline.signal;
  const stream = await libp2p.dialProtocol(issuerPeer, ISSUE_PROTOCOL, { signal: budget });
  const onAbort = () => stream.abort(new Error("issue request timed out"));
  budget.addEventListener("abort", onAbort, { once: true });
  try {
    const body = {
      depositId: request.depositId.toString(),
      blinded: request.blinded.map((b) => bytesToHex(b)),
      signature: request.signature,
    };
    stream.send(new TextEncoder().encode(JSON.stringify(body)));
    await stream.close({ signal: budget });
    const reply = JSON.parse(new TextDecoder().decode(await readAll(stream))) as
      | { ok: true; signatures: Hex[] }
      | { ok: false; reason: IssuanceRefusal; detail?: string };
    if (!reply.ok) throw new IssuanceRefusedError(reply.reason, { details: reply.detail });
    if (reply.signatures.length !== request.blinded.length)
      throw new IssuanceRefusedError("malformed-request", { details: "reply count mismatch" });
    return reply.signatures.map((s) => hexToBytes(s));
  } finally {
    budget.removeEventListener("abort", onAbort);
    deadline.dispose();
  }
}
