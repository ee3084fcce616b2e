/**
 * Messages between the page (`main.ts`) and the client's Web Worker
 * (`worker.ts`). Bytes travel as hex, times as epoch milliseconds.
 */
export type WebConfig = {
  /** Deployment with `startBlock` as a decimal string (JSON has no bigint). */
  deployment: { chainId: number; rpcUrl: string; startBlock: string; contracts: Record<string, `0x${string}`> };
  /** Path of the chain's JSON-RPC, proxied by the web server (same origin). */
  rpcPath: string;
  scheme: "free";
};

export type HopView = { relay: string; layer: number };

export type ToWorker =
  | { type: "init"; config: WebConfig; rpcUrl: string; identity: string; restore?: string | undefined }
  | { type: "send"; to: string; text: string; tag: number }
  | { type: "reply"; id: string; text: string; tag: number }
  | { type: "backup" };

export type ErrorView = { name: string; message: string; hint?: string | undefined; details?: string | undefined };

export type FromWorker =
  | { type: "ready"; address: string; gateway: string; epoch: string; backend: string; history: InboxView[] }
  | { type: "sent"; tag: number; id: string; to: string; route: HopView[]; replyRoute: HopView[]; buildMs: number; at: number }
  | { type: "replied"; tag: number; id: string; firstHop: string; sendMs: number }
  | { type: "inbox"; messages: InboxView[] }
  | { type: "backup"; text: string }
  | { type: "error"; tag?: number | undefined; context: string; error: ErrorView };

export type InboxView = { kind: "message" | "reply"; id: string; text: string; canReply: boolean; receivedAt: number };
