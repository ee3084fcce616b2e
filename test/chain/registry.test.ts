/**
 * RelayRegistry and ObolToken through viem on Hardhat's in-process chain:
 * every operation, every custom-error revert with its arguments, the events,
 * and the layer assignment against the algorithm written in docs/registry.md.
 */
import { beforeEach, describe, expect, it } from "vitest";
import hre from "hardhat";
import { obolTokenAbi } from "../../src/chain/abi/ObolToken.js";
import { relayRegistryAbi } from "../../src/chain/abi/RelayRegistry.js";
import {
  encodePacked,
  getAddress,
  getContract,
  keccak256,
  maxUint64,
  parseEther,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";

/** SwapOrNot.permute (contracts/lib/SwapOrNot.sol), written from its spec: 90 swap-or-not rounds, keccak256. */
function swapOrNot(index: number, count: number, seed: Hex): number {
  for (let r = 0; r < 90; r++) {
    const pivot = Number((BigInt(keccak256(encodePacked(["bytes32", "uint8"], [seed, r]))) >> 192n) % BigInt(count));
    const flip = (pivot + count - index) % count;
    const position = Math.max(index, flip);
    const source = keccak256(encodePacked(["bytes32", "uint8", "uint32"], [seed, r, Math.floor(position / 256)]));
    const byte = Number.parseInt(
      source.slice(2 + 2 * Math.floor((position % 256) / 8), 4 + 2 * Math.floor((position % 256) / 8)),
      16,
    );
    if ((byte >> (position % 8)) & 1) index = flip;
  }
  return index;
}

const { viem, networkHelpers } = await hre.network.connect();
const { assertions } = viem;

const EPOCH = 60n;
const MIN = parseEther("100");
const DELAY = 120n;
const SINK = getAddress("0x00000000000000000000000000000000000051ac");
const MA = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample";
const key = (i: number) => keccak256(encodePacked(["uint256"], [BigInt(i)]));

const wallets = await viem.getWalletClients();
const [admin, r1, r2, r3, outsider] = wallets as [
  (typeof wallets)[number],
  (typeof wallets)[number],
  (typeof wallets)[number],
  (typeof wallets)[number],
  (typeof wallets)[number],
];

const publicClient = await viem.getPublicClient();

/** Deploys both contracts and wraps them with the committed typed ABIs (src/chain/abi). */
async function deployCore() {
  const deployedToken = await viem.deployContract("ObolToken", [parseEther("1000000000")]);
  const deployedRegistry = await viem.deployContract("RelayRegistry", [deployedToken.address, EPOCH, MIN, DELAY, SINK]);
  const client = { public: publicClient, wallet: admin };
  const token = getContract({ address: deployedToken.address, abi: obolTokenAbi, client });
  const registry = getContract({ address: deployedRegistry.address, abi: relayRegistryAbi, client });
  for (const w of wallets.slice(1, 16)) {
    await token.write.transfer([w.account.address, parseEther("10000")]);
    await token.write.approve([registry.address, parseEther("10000")], { account: w.account });
  }
  return { token, registry };
}

let token: Awaited<ReturnType<typeof deployCore>>["token"];
let registry: Awaited<ReturnType<typeof deployCore>>["registry"];

beforeEach(async () => {
  ({ token, registry } = await deployCore());
});

const as = (w: { account: { address: Address } }) => ({ account: w.account as never });
// The registry refuses a BLS key another relay holds: r1 keeps 0xb15b15, the others get their own.
const blsOf = (w: typeof r1): Hex =>
  w === r1 ? "0xb15b15" : `0xb15b15${w.account.address.slice(2, 10).toLowerCase()}`;
const register = (w: typeof r1, role = 1, stake = MIN, mixKey: Hex = key(1), bls: Hex = blsOf(w)) =>
  registry.write.register([role, mixKey, bls, MA, stake], as(w));
async function epochStart(epoch: bigint) {
  return (await registry.read.genesis()) + epoch * EPOCH;
}
async function toEpoch(epoch: bigint) {
  await networkHelpers.time.setNextBlockTimestamp(await epochStart(epoch));
  await registry.write.openEpoch();
}

describe("deployment", () => {
  it("exposes its fixed parameters and makes the deployer admin", async () => {
    expect((await registry.read.token()).toLowerCase()).toBe(token.address.toLowerCase());
    expect(await registry.read.epochDuration()).toBe(EPOCH);
    expect(await registry.read.minStake()).toBe(MIN);
    expect(await registry.read.unbondingDelay()).toBe(DELAY);
    expect((await registry.read.slashSink()).toLowerCase()).toBe(SINK.toLowerCase());
    expect(await registry.read.currentEpoch()).toBe(0n);
    expect(await registry.read.hasRole([await registry.read.DEFAULT_ADMIN_ROLE(), admin.account.address])).toBe(true);
  });

  it.each([
    ["token", [zeroAddress, EPOCH, MIN, DELAY, SINK]],
    ["epochDuration", ["0x0000000000000000000000000000000000000001", 0n, MIN, DELAY, SINK]],
    ["minStake", ["0x0000000000000000000000000000000000000001", EPOCH, 0n, DELAY, SINK]],
    ["slashSink", ["0x0000000000000000000000000000000000000001", EPOCH, MIN, DELAY, zeroAddress]],
  ] as const)("rejects a zero %s", async (field, args) => {
    const error = await viem.deployContract("RelayRegistry", [...args]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain("RelayRegistryInvalidConfiguration");
    expect(error?.message).toContain(field);
  });
});

describe("register", () => {
  it("pulls the stake, lists the relay from the next epoch and emits RelayRegistered", async () => {
    await assertions.emitWithArgs(register(r1, 1, MIN * 2n), registry, "RelayRegistered", [
      r1.account.address,
      1,
      MIN * 2n,
      1n,
      key(1),
      "0xb15b15",
      MA,
    ]);
    expect(await token.read.balanceOf([registry.address])).toBe(MIN * 2n);
    expect(await registry.read.isListed([r1.account.address, 0n])).toBe(false);
    expect(await registry.read.isListed([r1.account.address, 1n])).toBe(true);
    const info = await registry.read.relayInfo([r1.account.address]);
    expect(info).toMatchObject({
      role: 1,
      status: 1,
      stake: MIN * 2n,
      activeFrom: 1n,
      exitEpoch: maxUint64,
      unlockAt: 0n,
      multiaddr: MA,
    });
    expect(await registry.read.keysAt([r1.account.address, 1n])).toEqual([key(1), "0xb15b15"]);
  });

  it("opens the epoch on the first call of an epoch only", async () => {
    await assertions.emit(register(r1), registry, "EpochOpened");
    const seed = await registry.read.epochSeed([0n]);
    await register(r2);
    expect(await registry.read.epochSeed([0n])).toBe(seed);
  });

  it("rejects every malformed input with its custom error", async () => {
    await assertions.revertWithCustomErrorWithArgs(register(r1, 2), registry, "RelayRegistryInvalidRole", [2]);
    await assertions.revertWithCustomError(
      register(r1, 1, MIN, "0x0000000000000000000000000000000000000000000000000000000000000000"),
      registry,
      "RelayRegistryInvalidMixKey",
    );
    const longKey = `0x${"ab".repeat(257)}` as Hex;
    await assertions.revertWithCustomErrorWithArgs(
      register(r1, 1, MIN, key(1), longKey),
      registry,
      "RelayRegistryInvalidBlsKey",
      [257n],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.register([1, key(1), "0x", "", MIN], as(r1)),
      registry,
      "RelayRegistryInvalidMultiaddr",
      [0n],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.register([1, key(1), "0x", "x".repeat(257), MIN], as(r1)),
      registry,
      "RelayRegistryInvalidMultiaddr",
      [257n],
    );
    await assertions.revertWithCustomErrorWithArgs(register(r1, 1, MIN - 1n), registry, "RelayRegistryStakeTooLow", [
      MIN - 1n,
      MIN,
    ]);
  });

  it("accepts the longest key and multiaddr", async () => {
    await registry.write.register([0, key(1), `0x${"ab".repeat(256)}`, "m".repeat(256), MIN], as(r1));
    expect((await registry.read.relayInfo([r1.account.address])).role).toBe(0);
  });

  it("refuses a second registration and a missing allowance", async () => {
    await register(r1);
    await assertions.revertWithCustomErrorWithArgs(register(r1), registry, "RelayRegistryAlreadyRegistered", [
      r1.account.address,
    ]);
    const unapproved = wallets[18]!; // funded below, never approved the registry
    await token.write.transfer([unapproved.account.address, MIN]);
    await assertions.revertWithCustomErrorWithArgs(register(unapproved), token, "ERC20InsufficientAllowance", [
      registry.address,
      0n,
      MIN,
    ]);
  });
});

describe("keys and multiaddr", () => {
  it("updateKeys takes effect from the next epoch and a second update replaces the pending one", async () => {
    await register(r1);
    await toEpoch(2n);
    await assertions.emitWithArgs(registry.write.updateKeys([key(2), "0x02"], as(r1)), registry, "KeysUpdated", [
      r1.account.address,
      key(2),
      "0x02",
      3n,
    ]);
    await registry.write.updateKeys([key(3), "0x0303"], as(r1));
    expect(await registry.read.keysAt([r1.account.address, 2n])).toEqual([key(1), "0xb15b15"]);
    expect(await registry.read.keysAt([r1.account.address, 3n])).toEqual([key(3), "0x0303"]);
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.keysAt([r1.account.address, 0n]),
      registry,
      "RelayRegistryKeysNotAvailable",
      [r1.account.address, 0n],
    );
  });

  it("updateKeys validates and needs an active relay", async () => {
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.updateKeys([key(2), "0x"], as(r1)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1);
    await assertions.revertWithCustomError(
      registry.write.updateKeys(["0x0000000000000000000000000000000000000000000000000000000000000000", "0x"], as(r1)),
      registry,
      "RelayRegistryInvalidMixKey",
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.updateKeys([key(2), `0x${"00".repeat(300)}`], as(r1)),
      registry,
      "RelayRegistryInvalidBlsKey",
      [300n],
    );
    await registry.write.unbond(as(r1));
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.updateKeys([key(2), "0x"], as(r1)),
      registry,
      "RelayRegistryIsUnbonding",
      [r1.account.address],
    );
  });

  it("updateMultiaddr applies at once, also while unbonding", async () => {
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.updateMultiaddr(["/ip4/1.2.3.4/tcp/1"], as(r1)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1);
    await assertions.emitWithArgs(
      registry.write.updateMultiaddr(["/ip4/1.2.3.4/tcp/1"], as(r1)),
      registry,
      "MultiaddrUpdated",
      [r1.account.address, "/ip4/1.2.3.4/tcp/1"],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.updateMultiaddr([""], as(r1)),
      registry,
      "RelayRegistryInvalidMultiaddr",
      [0n],
    );
    await registry.write.unbond(as(r1));
    await registry.write.updateMultiaddr(["/ip4/5.6.7.8/tcp/2"], as(r1));
    expect((await registry.read.relayInfo([r1.account.address])).multiaddr).toBe("/ip4/5.6.7.8/tcp/2");
  });
});

describe("stake, unbonding, withdrawal", () => {
  it("addStake adds and emits; refuses zero, strangers and unbonding relays", async () => {
    await assertions.revertWithCustomError(registry.write.addStake([0n], as(r1)), registry, "RelayRegistryZeroAmount");
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.addStake([1n], as(r1)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1);
    await assertions.emitWithArgs(registry.write.addStake([5n], as(r1)), registry, "StakeAdded", [
      r1.account.address,
      5n,
      MIN + 5n,
    ]);
    expect(await token.read.balanceOf([registry.address])).toBe(MIN + 5n);
    await registry.write.unbond(as(r1));
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.addStake([1n], as(r1)),
      registry,
      "RelayRegistryIsUnbonding",
      [r1.account.address],
    );
  });

  it("unbond keeps the relay listed this epoch, drops it next epoch, and locks the stake", async () => {
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.unbond(as(r1)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1);
    await toEpoch(3n);
    const unlockAt = (await epochStart(4n)) + DELAY;
    await assertions.emitWithArgs(registry.write.unbond(as(r1)), registry, "Unbonded", [
      r1.account.address,
      4n,
      unlockAt,
    ]);
    expect(await registry.read.isListed([r1.account.address, 3n])).toBe(true);
    expect(await registry.read.isListed([r1.account.address, 4n])).toBe(false);
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.unbond(as(r1)),
      registry,
      "RelayRegistryIsUnbonding",
      [r1.account.address],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.withdraw(as(r1)),
      registry,
      "RelayRegistryStillLocked",
      [r1.account.address, unlockAt],
    );
    await networkHelpers.time.setNextBlockTimestamp(unlockAt);
    const before = await token.read.balanceOf([r1.account.address]);
    await assertions.emitWithArgs(registry.write.withdraw(as(r1)), registry, "Withdrawn", [r1.account.address, MIN]);
    expect(await token.read.balanceOf([r1.account.address])).toBe(before + MIN);
    expect(await registry.read.relayCount()).toBe(0n);
    expect((await registry.read.relayInfo([r1.account.address])).status).toBe(0);
    // Key history outlives the record: past epochs stay answerable.
    expect((await registry.read.keysAt([r1.account.address, 3n]))[0]).toBe(key(1));
  });

  it("withdraw needs a record and an unbond first", async () => {
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.withdraw(as(r1)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1);
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.withdraw(as(r1)),
      registry,
      "RelayRegistryNotUnbonding",
      [r1.account.address],
    );
  });

  it("withdrawal swaps the last record into the gap and the relay may register again", async () => {
    await register(r1);
    await register(r2);
    await register(r3);
    await registry.write.unbond(as(r1));
    await networkHelpers.time.increaseTo((await epochStart(1n)) + DELAY);
    await registry.write.withdraw(as(r1));
    expect((await registry.read.relayAt([0n])).toLowerCase()).toBe(r3.account.address.toLowerCase());
    expect((await registry.read.relayAt([1n])).toLowerCase()).toBe(r2.account.address.toLowerCase());
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.relayAt([2n]),
      registry,
      "RelayRegistryIndexOutOfRange",
      [2n, 2n],
    );
    await register(r1, 0, MIN, key(9));
    const page = await registry.read.relays([1n, 10n]);
    expect(page.map((p) => p.relay.toLowerCase())).toEqual(
      [r2.account.address, r1.account.address].map((a) => a.toLowerCase()),
    );
    expect(await registry.read.relays([5n, 10n])).toEqual([]);
  });
});

describe("epochs and layers", () => {
  it("epochSeed, layerOf and directory refuse epochs nobody opened", async () => {
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.epochSeed([7n]),
      registry,
      "RelayRegistryEpochNotOpen",
      [7n],
    );
    await register(r1);
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.layerOf([r1.account.address, 1n]),
      registry,
      "RelayRegistryEpochNotOpen",
      [1n],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.directory([1n, 0n, 10n]),
      registry,
      "RelayRegistryEpochNotOpen",
      [1n],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.read.layerOf([r2.account.address, 0n]),
      registry,
      "RelayRegistryNotListed",
      [r2.account.address, 0n],
    );
  });

  it("openEpoch emits once per epoch; currentEpoch follows time", async () => {
    await toEpoch(4n);
    expect(await registry.read.currentEpoch()).toBe(4n);
    const hash = await registry.write.openEpoch();
    const receipt = await (await viem.getPublicClient()).waitForTransactionReceipt({ hash });
    expect(receipt.logs).toHaveLength(0);
  });

  it("assigns layers exactly as docs/registry.md specifies, balanced, gateways at 0", async () => {
    const mixes = wallets.slice(1, 12);
    for (const [i, w] of mixes.entries()) await register(w, 1, MIN, key(i + 1));
    for (const w of wallets.slice(12, 14)) await register(w, 0);
    await toEpoch(1n);
    const seed = await registry.read.epochSeed([1n]);
    // Mixes are listed in registration order; rank = SwapOrNot image of that index (docs/registry.md).
    const ranked: Address[] = [];
    for (const [i, w] of mixes.entries()) {
      expect(await registry.read.listedAt([1n, 1, BigInt(i)])).toBe(getAddress(w.account.address));
      ranked[swapOrNot(i, mixes.length, seed)] = getAddress(w.account.address);
    }
    for (const [rank, relay] of ranked.entries()) {
      expect(await registry.read.layerMember([1n, 1 + (rank % 3), BigInt(Math.floor(rank / 3))])).toBe(relay);
    }
    const sizes = [0, 0, 0, 0];
    for (const [rank, relay] of ranked.entries()) {
      const layer = await registry.read.layerOf([relay, 1n]);
      expect(layer).toBe(1 + (rank % 3));
      sizes[layer]! += 1;
    }
    expect(sizes).toEqual([0, 4, 4, 3]);
    for (const w of wallets.slice(12, 14)) expect(await registry.read.layerOf([w.account.address, 1n])).toBe(0);
    const directory = await registry.read.directory([1n, 0n, 100n]);
    expect(directory.filter((e) => e.listed)).toHaveLength(13);
    for (const e of directory) expect(e.layer).toBe(await registry.read.layerOf([e.relay, 1n]));
  });

  it("directory pages mark unlisted records and keep keys of the queried epoch", async () => {
    await register(r1);
    await toEpoch(1n);
    await register(r2, 1, MIN, key(2));
    const page = await registry.read.directory([1n, 0n, 10n]);
    expect(page.map((e) => e.listed)).toEqual([true, false]);
    expect(page[0]).toMatchObject({ mixKey: key(1), blsKey: "0xb15b15", layer: 1, stake: MIN });
    expect(page[1]).toMatchObject({ mixKey: `0x${"00".repeat(32)}`, blsKey: "0x", layer: 0 });
    expect(await registry.read.directory([1n, 1n, 1n])).toHaveLength(1);
  });
});

describe("faults and slashing", () => {
  const ROLE = keccak256(encodePacked(["string"], ["FAULT_RECORDER_ROLE"]));
  const REASON = keccak256(encodePacked(["string"], ["missing-hop"]));

  it("only FAULT_RECORDER_ROLE may record faults or slash", async () => {
    expect(await registry.read.FAULT_RECORDER_ROLE()).toBe(ROLE);
    await register(r1);
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.recordFault([r1.account.address, 0n, REASON], as(outsider)),
      registry,
      "AccessControlUnauthorizedAccount",
      [outsider.account.address, ROLE],
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.slash([r1.account.address, 1n, REASON], as(outsider)),
      registry,
      "AccessControlUnauthorizedAccount",
      [outsider.account.address, ROLE],
    );
  });

  it("recordFault counts per relay, emits, and refuses zero relays and future epochs", async () => {
    await registry.write.grantRole([ROLE, outsider.account.address]);
    await toEpoch(2n);
    await assertions.emitWithArgs(
      registry.write.recordFault([r1.account.address, 1n, REASON], as(outsider)),
      registry,
      "FaultRecorded",
      [r1.account.address, 1n, REASON, outsider.account.address, 1n],
    );
    await registry.write.recordFault([r1.account.address, 2n, REASON], as(outsider));
    expect(await registry.read.faults([r1.account.address])).toBe(2n);
    await assertions.revertWithCustomError(
      registry.write.recordFault([zeroAddress, 1n, REASON], as(outsider)),
      registry,
      "RelayRegistryInvalidRelay",
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.recordFault([r1.account.address, 3n, REASON], as(outsider)),
      registry,
      "RelayRegistryFutureEpoch",
      [3n, 2n],
    );
  });

  it("slash moves stake to the sink and unbonds a relay left below the minimum", async () => {
    await registry.write.grantRole([ROLE, outsider.account.address]);
    await assertions.revertWithCustomError(
      registry.write.slash([r1.account.address, 0n, REASON], as(outsider)),
      registry,
      "RelayRegistryZeroAmount",
    );
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.slash([r1.account.address, 1n, REASON], as(outsider)),
      registry,
      "RelayRegistryNotRegistered",
      [r1.account.address],
    );
    await register(r1, 1, MIN + 10n);
    await assertions.revertWithCustomErrorWithArgs(
      registry.write.slash([r1.account.address, MIN + 11n, REASON], as(outsider)),
      registry,
      "RelayRegistrySlashExceedsStake",
      [r1.account.address, MIN + 11n, MIN + 10n],
    );
    await assertions.emitWithArgs(
      registry.write.slash([r1.account.address, 10n, REASON], as(outsider)),
      registry,
      "Slashed",
      [r1.account.address, 10n, SINK, REASON],
    );
    expect((await registry.read.relayInfo([r1.account.address])).status).toBe(1);
    await assertions.emit(registry.write.slash([r1.account.address, 1n, REASON], as(outsider)), registry, "Unbonded");
    expect(await token.read.balanceOf([SINK])).toBe(11n);
    expect((await registry.read.relayInfo([r1.account.address])).status).toBe(2);
  });
});

describe("ObolToken", () => {
  it("mints the initial supply to the deployer; only the owner mints more", async () => {
    expect(await token.read.symbol()).toBe("OBOL");
    await token.write.mint([r1.account.address, 7n]);
    await assertions.revertWithCustomErrorWithArgs(
      token.write.mint([r1.account.address, 7n], as(r1)),
      token,
      "OwnableUnauthorizedAccount",
      [r1.account.address],
    );
  });

  it("accepts an EIP-2612 permit signed by the holder", async () => {
    const deadline = (await networkHelpers.time.latest()) + 3600;
    const nonce = await token.read.nonces([r1.account.address]);
    const signature = await r1.signTypedData({
      domain: {
        name: "Obol",
        version: "1",
        chainId: await (await viem.getPublicClient()).getChainId(),
        verifyingContract: token.address,
      },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: {
        owner: r1.account.address,
        spender: outsider.account.address,
        value: 42n,
        nonce,
        deadline: BigInt(deadline),
      },
    });
    const r = signature.slice(0, 66) as Hex;
    const s = `0x${signature.slice(66, 130)}` as Hex;
    const v = Number.parseInt(signature.slice(130, 132), 16);
    await token.write.permit([r1.account.address, outsider.account.address, 42n, BigInt(deadline), v, r, s]);
    expect(await token.read.allowance([r1.account.address, outsider.account.address])).toBe(42n);
    await assertions.revertWithCustomError(
      token.write.permit([r1.account.address, outsider.account.address, 42n, BigInt(deadline), v, r, s]),
      token,
      "ERC2612InvalidSigner",
    );
  });
});
