import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { randomBytes as nodeRandomBytes } from "node:crypto";

const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));
import { decodeFrame, encodeFrame, frameSize, FrameReader, type Frame, type WireLayout } from "../../src/net/frame.js";
import { FrameError, FrameSizeError, FrameTypeError, FrameVersionError } from "../../src/net/errors.js";

const layout: WireLayout = { packetSize: 300, attachmentSize: 17, receiptSize: 9, bodySize: 64 };

const samples = (): Frame[] => [
  { type: "packet", packet: randomBytes(300), attachment: randomBytes(17) },
  { type: "receipt", packetRef: randomBytes(32), receipt: randomBytes(9) },
  { type: "inboxPull", pullKey: randomBytes(32) },
  { type: "inboxReply", present: true, remaining: 70_000, body: randomBytes(64) },
  { type: "inboxReply", present: false, remaining: 0, body: new Uint8Array(64) },
];

describe("frame codec", () => {
  it("round-trips every frame type at its fixed size", () => {
    for (const frame of samples()) {
      const bytes = encodeFrame(frame, layout);
      expect(bytes.length).toBe(frameSize(frame.type, layout));
      expect(bytes[0]).toBe(1);
      expect(decodeFrame(bytes, layout)).toEqual(frame);
    }
    expect(frameSize("packet", layout)).toBe(2 + 300 + 17);
    expect(frameSize("receipt", layout)).toBe(2 + 32 + 9);
  });

  it("rejects wrong field sizes when encoding", () => {
    expect(() =>
      encodeFrame({ type: "packet", packet: randomBytes(299), attachment: randomBytes(17) }, layout),
    ).toThrow(FrameSizeError);
    expect(() => encodeFrame({ type: "receipt", packetRef: randomBytes(32), receipt: randomBytes(8) }, layout)).toThrow(
      /receipt/,
    );
  });

  it("rejects unknown versions, unknown or disallowed types, wrong lengths, bad flags", () => {
    const packet = encodeFrame(samples()[0]!, layout);
    expect(() => decodeFrame(Uint8Array.of(2, ...packet.subarray(1)), layout)).toThrow(FrameVersionError);
    expect(() => decodeFrame(Uint8Array.of(1, 9, ...packet.subarray(2)), layout)).toThrow(FrameTypeError);
    expect(() => decodeFrame(packet, layout, ["inboxPull"])).toThrow(FrameTypeError);
    expect(() => decodeFrame(packet.subarray(0, packet.length - 1), layout)).toThrow(FrameSizeError);
    expect(() => decodeFrame(Uint8Array.of(...packet, 0), layout)).toThrow(FrameSizeError);
    expect(() => decodeFrame(Uint8Array.of(1), layout)).toThrow(FrameSizeError);
    const reply = encodeFrame(samples()[3]!, layout);
    reply[2] = 2;
    expect(() => decodeFrame(reply, layout)).toThrow(FrameTypeError);
  });

  it("FrameReader reassembles frames split at any boundary", () => {
    const frames = samples().slice(0, 2);
    const stream = new Uint8Array(Buffer.concat(frames.map((f) => encodeFrame(f, layout))));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
        const reader = new FrameReader(layout, ["packet", "receipt"]);
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const out: Frame[] = [];
        let from = 0;
        for (const p of [...points, stream.length]) {
          out.push(...reader.push(stream.subarray(from, p)));
          from = p;
        }
        expect(out).toEqual(frames);
        expect(reader.pending).toBe(0);
      }),
    );
  });

  it("garbage never crashes the decoders: only typed FrameErrors", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (junk) => {
        for (const run of [
          () => decodeFrame(junk, layout),
          () => new FrameReader(layout, ["packet", "receipt"]).push(junk),
        ]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(FrameError);
          }
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
