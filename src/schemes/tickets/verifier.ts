/**
 * Batched verification at the relay (docs/tickets.md, "What is checked per
 * packet"). Tokens are collected for up to `maxDelayMs` or `maxBatch` tokens,
 * then checked with ONE same-key aggregate pairing equation; a failing batch
 * is bisected until every invalid token is isolated, so one forged token
 * costs its sender nothing but its packet and costs honest tokens only a
 * few extra pairings (each token is decompressed and hashed once per batch,
 * whatever the bisection does: `BlindBls.verifyEach`).
 */
import type { Address } from "viem";
import type { BlindBls } from "../../crypto/blind/bls.js";
import { tokenMessage, type TokenDomain } from "../../crypto/blind/encoding.js";
import type { G1Decompressor } from "../../crypto/blind/hash-to-g1.js";
import { relayG1Decompressor } from "../../crypto/blind/native-g1.js";

/**
 * Default largest batch, chosen by measurement (docs/tickets.md §13): each
 * batch pays one 2-pair pairing and one subgroup check (≈ 6 ms of CPU in
 * mcl-wasm), so its share per token halves from 64 to 128 (≈ +13 % tokens
 * per CPU-second); at 256 it gains ≈ 7 % more but a full batch then holds
 * its first packet twice as long under saturation.
 */
export const DEFAULT_MAX_BATCH = 128;

export type PendingCheck = { epoch: bigint; serial: Uint8Array; signature: Uint8Array };

type Waiting = PendingCheck & { resolve: (valid: boolean) => void };

export type BatchVerifierOptions = {
  bls: BlindBls;
  relay: Address;
  /** Chain, bank and issuer the tokens must name. */
  domain: TokenDomain;
  publicKey: Uint8Array;
  /** Largest batch (default {@link DEFAULT_MAX_BATCH}). */
  maxBatch?: number;
  /** Longest wait before a partial batch is checked (default 10 ms; mixing delays are ≫). */
  maxDelayMs?: number;
  /** σ decompression (default blst's, ≈ 4× mcl-wasm's, where its prebuild loads; else mcl's; docs/tickets.md §13). */
  decompress?: G1Decompressor;
};

/** Micro-batching verifier: `check` resolves true/false per token. */
export class BatchVerifier {
  readonly #o: Required<Omit<BatchVerifierOptions, "decompress">> & { decompress: G1Decompressor | undefined };
  #queue: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Batches checked so far (for statistics). */
  checks = 0;

  constructor(options: BatchVerifierOptions) {
    this.#o = { maxBatch: DEFAULT_MAX_BATCH, maxDelayMs: 10, decompress: relayG1Decompressor(), ...options };
  }

  /** Queues one token; resolves once its batch has been checked. */
  check(token: PendingCheck): Promise<boolean> {
    return new Promise((resolve) => {
      this.#queue.push({ ...token, resolve });
      if (this.#queue.length >= this.#o.maxBatch) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#o.maxDelayMs);
    });
  }

  /** Checks everything queued now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length > 0) this.#settle(batch);
  }

  /** Verifies a list synchronously (restart path): returns validity per token. */
  verifyAll(tokens: readonly PendingCheck[]): boolean[] {
    const out = new Array<boolean>(tokens.length).fill(false);
    this.#settle(tokens.map((t, i) => ({ ...t, resolve: (v: boolean) => (out[i] = v) })));
    return out;
  }

  #settle(batch: Waiting[]): void {
    this.checks++;
    // One call: every σ decompressed and every message hashed once; a failing
    // batch is bisected inside on those cached points (BlindBls.verifyEach).
    const verdicts = this.#o.bls.verifyEach(
      batch.map((t) => ({
        message: tokenMessage(this.#o.domain, this.#o.relay, t.epoch, t.serial),
        signature: t.signature,
      })),
      this.#o.publicKey,
      this.#o.decompress,
    );
    batch.forEach((t, i) => {
      t.resolve(verdicts[i]!);
    });
  }
}
