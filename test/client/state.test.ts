import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { bytesToHex, getAddress } from "viem";
import { ClientState } from "../../src/client/state.js";
import { ClientStateError } from "../../src/client/errors.js";
import { decodeEnvelope, encodeEnvelope } from "../../src/client/envelope.js";
import { InvalidInputError } from "../../src/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "obol-client-"));

describe("client state", () => {
  it("creates an identity once and keeps it across reopen", () => {
    const dir = tmp();
    try {
      const a = ClientState.open(dir);
      const first = a.identity();
      expect(first.mailbox.length).toBe(32);
      expect(first.gateway).toBeNull();
      a.setGateway("0x00000000000000000000000000000000000000aa");
      a.close();
      const b = ClientState.open(dir);
      const again = b.identity();
      expect(again.sealSecretKey).toEqual(first.sealSecretKey);
      expect(again.mailbox).toEqual(first.mailbox);
      expect(again.pullKey).toEqual(first.pullKey);
      expect(again.mailbox).not.toEqual(again.pullKey);
      expect(again.gateway).toBe(getAddress("0x00000000000000000000000000000000000000aa"));
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores SURB secrets durably and lets a received SURB be used once", () => {
    const dir = tmp();
    try {
      const s = ClientState.open(dir);
      const id = new Uint8Array(randomBytes(16));
      s.saveSurbSecret({ id, secret: new Uint8Array([1, 2, 3]) });
      s.close();
      const t = ClientState.open(dir);
      expect(t.openSurbs()).toEqual([{ id, secret: new Uint8Array([1, 2, 3]) }]);
      t.markSurbUsed(id);
      expect(t.openSurbs()).toEqual([]);

      const msg = {
        id: new Uint8Array(randomBytes(16)),
        kind: "message" as const,
        content: new Uint8Array([9]),
        surb: new Uint8Array([7, 7]),
        receivedAt: 1,
      };
      expect(t.saveReceived(msg)).toBe(true);
      expect(t.saveReceived(msg)).toBe(false); // the same message pulled twice is stored once
      const prefix = bytesToHex(msg.id).slice(2, 10);
      expect(t.takeReceivedSurb(prefix).surb).toEqual(new Uint8Array([7, 7]));
      expect(() => t.takeReceivedSurb(prefix)).toThrow(/already answered|carried no SURB/);
      expect(() => t.takeReceivedSurb("ffffffffffffffff")).toThrow(ClientStateError);
      t.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("envelope", () => {
  it("round-trips messages with and without SURB, and replies", () => {
    const id = new Uint8Array(randomBytes(16));
    for (const e of [
      { type: "message" as const, id, surb: new Uint8Array(randomBytes(600)), content: new Uint8Array([1, 2]) },
      { type: "message" as const, id, surb: null, content: new Uint8Array() },
      { type: "reply" as const, id, content: new TextEncoder().encode("ok") },
    ])
      expect(decodeEnvelope(encodeEnvelope(e))).toEqual(e);
  });

  it("rejects bad version, type, lengths", () => {
    const bytes = encodeEnvelope({
      type: "message",
      id: new Uint8Array(16),
      surb: new Uint8Array(10),
      content: new Uint8Array(),
    });
    expect(() => decodeEnvelope(bytes.subarray(0, 10))).toThrow(InvalidInputError);
    expect(() => decodeEnvelope(Uint8Array.of(2, ...bytes.subarray(1)))).toThrow(/version/);
    expect(() => decodeEnvelope(Uint8Array.of(1, 9, ...bytes.subarray(2)))).toThrow(/type/);
    expect(() => decodeEnvelope(bytes.subarray(0, 25))).toThrow(/surbLength/);
    expect(() => decodeEnvelope(Uint8Array.of(1, 2, ...bytes.subarray(2)))).toThrow(/reply carries no SURB/);
    expect(() => encodeEnvelope({ type: "reply", id: new Uint8Array(3), content: new Uint8Array() })).toThrow(/id/);
  });
});
