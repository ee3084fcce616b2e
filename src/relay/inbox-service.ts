/**
 * Server side of `/obol/inbox/1` (docs/wire.md §4): one pull frame in,
 * exactly {@link INBOX_REPLY_FRAMES} reply frames out, real messages first and
 * zero-filled dummies after, so the reply size never reveals the count.
 * Messages are removed only after the whole reply was written and the stream
 * closed, so a pull that fails midway loses nothing (it may repeat messages).
 */
import type { Connection, Libp2p, Stream } from "@libp2p/interface";
import type { Logger } from "../log.js";
import { INBOX_PROTOCOL, INBOX_PULL_TIMEOUT_MS, INBOX_REPLY_FRAMES } from "../net/constants.js";
import { StreamClosedError } from "../net/errors.js";
import { encodeFrame, FrameReader, type InboxPullFrame, type WireLayout } from "../net/frame.js";
import { mailboxId } from "../net/inbox.js";
import type { GroupCommitter } from "../store/commit.js";
import type { InboxStore } from "../store/inbox.js";
import { DropReason, reasonOf } from "./drops.js";

export type InboxServiceParameters = {
  inbox: InboxStore;
  committer: GroupCommitter;
  layout: WireLayout;
  onDrop: (reason: DropReason, peer: string, detail: string) => void;
  onServed: () => void;
  log: Logger;
};

/**
 * Handles one inbox stream.
 *
 * @param p the gateway's inbox context
 * @param stream the inbound `/obol/inbox/1` stream
 * @param connection its connection (for the peer id in logs)
 * @example
 * await libp2p.handle(INBOX_PROTOCOL, (stream, connection) => serveInboxPull(context, stream, connection));
 */
export async function serveInboxPull(p: InboxServiceParameters, stream: Stream, connection: Connection): Promise<void> {
  const peer = connection.remotePeer.toString();
  const signal = AbortSignal.timeout(INBOX_PULL_TIMEOUT_MS);
  const onAbort = () => stream.abort(new StreamClosedError("inbox pull (timeout)"));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const reader = new FrameReader(p.layout, ["inboxPull"]);
    let request: InboxPullFrame | undefined;
    for await (const chunk of stream) {
      const frames = reader.push(chunk);
      if (frames.length > 0) {
        request = frames[0] as InboxPullFrame;
        break;
      }
    }
    if (!request) {
      p.onDrop(DropReason.frameTruncated, peer, "stream ended before a pull frame");
      stream.abort(new StreamClosedError("inbox pull"));
      return;
    }
    const mailbox = mailboxId(request.pullKey);
    const { entries, remaining } = await p.committer.run(() => {
      p.inbox.expire();
      return p.inbox.peek(mailbox, INBOX_REPLY_FRAMES);
    });
    const dummy = new Uint8Array(p.layout.bodySize);
    for (let i = 0; i < INBOX_REPLY_FRAMES; i++) {
      const entry = entries[i];
      const frame = encodeFrame(
        { type: "inboxReply", present: entry !== undefined, remaining, body: entry?.body ?? dummy },
        p.layout,
      );
      if (!stream.send(frame)) await stream.onDrain({ signal });
    }
    await stream.close({ signal });
    await p.committer.run(() => p.inbox.remove(entries.map((e) => e.id)));
    p.onServed();
    p.log.debug({ peer, served: entries.length, remaining }, "inbox pull served");
  } catch (error) {
    const reason = reasonOf(error);
    if (reason) p.onDrop(reason, peer, (error as Error).message);
    else p.log.debug({ peer, err: error }, "inbox pull failed");
    stream.abort(error as Error);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Registers the `/obol/inbox/1` handler on `libp2p`.
 *
 * @returns a function that unregisters it
 * @example
 * const unhandle = await handleInbox(libp2p, { inbox, committer, layout, log, onDrop, onServed });
 * await unhandle();
 */
export async function handleInbox(libp2p: Libp2p, p: InboxServiceParameters): Promise<() => Promise<void>> {
  await libp2p.handle(INBOX_PROTOCOL, (stream, connection) => serveInboxPull(p, stream, connection));
  return () => libp2p.unhandle(INBOX_PROTOCOL);
}
