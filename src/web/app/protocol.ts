/**
 * Messages between the page (`main.ts`) and the client's Web Worker
 * (`worker.ts`). Bytes travel as hex, times as epoch milliseconds.
 */
export type WebConfig = {
  /** Deployment with `startBlock` as a decimal string (JSON has no bigint). */
  deployment: { chainId: number; rpcUrl: string; startBlock: string; contracts: Record<string, `0x${string}`> };
  /** Path of the chain's JSON-RPC, proxied by the web server (same origin). */
  rpcPath: string;
  /** The network's accounting scheme; the page pays under it (free: nothing to pay). */
  scheme: "free" | "channels" | "tickets" | "shopper";
  /** Devnet only: path of the server's faucet (ETH for gas and OBOL for a page's key). */
  faucetPath?: string | undefined;
  /** Tickets only: the token issuer's account and libp2p addresses (its `issuer.json`). */
  issuer?: { address: string; multiaddrs: string[] } | undefined;
};

/**
 * The page's paying key and its balances (token amounts in OBOL); under channels its channel to the entry
 * gateway, under tickets its unspent blind tokens of the current epoch.
 */
export type WalletView = {
  account: string;
  eth: string;
  obol: string;
  channel?: { gateway: string; status: "closed" | "open" | "pending-to-close"; balance: string; packetsLeft: string };
  tokens?: { epoch: string; unspent: number };
  faucet: boolean;
};

export type HopView = { relay: string; layer: number };

export type ToWorker =
  | {
      type: "init";
      config: WebConfig;
      rpcUrl: string;
      identity: string;
      /** An `obolkey1…` identity backup to restore into `identity`. */
      restore?: string | undefined;
      /** A 0x secp256k1 private key to pay with from now on (replaces the page's key for `identity`). */
      importKey?: string | undefined;
      cover: boolean;
    }
  | { type: "cover"; on: boolean }
  | { type: "send"; to: string; text: string; tag: number }
  | { type: "reply"; id: string; text: string; tag: number }
  | { type: "backup" }
  | { type: "wallet" }
  | { type: "fund" }
  | { type: "open-channel" }
  | { type: "buy-tokens" };

export type ErrorView = { name: string; message: string; hint?: string | undefined; details?: string | undefined };

export type FromWorker =
  | { type: "loaded" }
  | {
      type: "ready";
      address: string;
      gateway: string;
      epoch: string;
      backend: string;
      scheme: string;
      history: InboxView[];
    }
  | {
      type: "sent";
      tag: number;
      id: string;
      to: string;
      route: HopView[];
      replyRoute: HopView[];
      buildMs: number;
      queued: boolean;
      at: number;
    }
  | { type: "replied"; tag: number; id: string; firstHop: string; sendMs: number }
  | { type: "inbox"; messages: InboxView[] }
  | { type: "backup"; text: string; paymentKey?: string | undefined }
  | { type: "stats"; cover: boolean; stats: ClientStatsView }
  | { type: "wallet"; wallet: WalletView; done?: string | undefined }
  | { type: "error"; tag?: number | undefined; context: string; error: ErrorView };

export type InboxView = { kind: "message" | "reply"; id: string; text: string; canReply: boolean; receivedAt: number };

/** `ObolClient.stats`: packets sent per Loopix stream, receipts from the gateway, mail received, failures. */
export type ClientStatsView = {
  sent: { payload: number; loop: number; drop: number; reply: number };
  receipts: number;
  received: number;
  replies: number;
  errors: number;
};
