/**
 * explainRevert / ContractRevertError on real viem error objects built from
 * ABI-encoded revert data, and the pure epoch arithmetic.
 */
import { describe, expect, it } from "vitest";
import { BaseError, ContractFunctionRevertedError, encodeErrorResult, parseAbi } from "viem";
import { relayRegistryAbi } from "../../src/chain/abi/RelayRegistry.js";
import { ContractRevertError, explainRevert, rethrowRevert } from "../../src/chain/errors.js";
import { epochAt, epochStart } from "../../src/chain/epochs.js";

const builtins = parseAbi(["error Error(string)", "error Panic(uint256)"]);

function reverted(data: `0x${string}`, abi: readonly unknown[] = relayRegistryAbi) {
  const inner = new ContractFunctionRevertedError({ abi: abi as never, data, functionName: "register" });
  return new BaseError("call failed", { cause: inner });
}

describe("explainRevert", () => {
  it("decodes a registry custom error with its arguments", () => {
    const data = encodeErrorResult({ abi: relayRegistryAbi, errorName: "RelayRegistryStakeTooLow", args: [1n, 100n] });
    expect(explainRevert(reverted(data))).toEqual({
      errorName: "RelayRegistryStakeTooLow",
      args: [1n, 100n],
      message: "RelayRegistryStakeTooLow(1, 100)",
    });
  });

  it("names require strings and panics", () => {
    const withReason = encodeErrorResult({ abi: builtins, errorName: "Error", args: ["nope"] });
    expect(explainRevert(reverted(withReason, builtins))?.errorName).toBe("Error");
    expect(explainRevert(reverted(withReason, builtins))?.args).toEqual(["nope"]);
    const panic = encodeErrorResult({ abi: builtins, errorName: "Panic", args: [0x11n] });
    expect(explainRevert(reverted(panic, builtins))?.errorName).toBe("Panic");
  });

  it("keeps viem's message for data no ABI declares, and ignores non-reverts", () => {
    const unknown = explainRevert(reverted("0xdeadbeef"));
    expect(unknown?.errorName).toBeUndefined();
    expect(unknown?.message.length).toBeGreaterThan(0);
    expect(explainRevert(new Error("plain"))).toBeUndefined();
    expect(explainRevert(new BaseError("no revert inside"))).toBeUndefined();
  });

  it("rethrowRevert wraps decoded reverts with a hint and passes anything else through", () => {
    const data = encodeErrorResult({
      abi: relayRegistryAbi,
      errorName: "RelayRegistryStillLocked",
      args: ["0x0000000000000000000000000000000000000001", 99n],
    });
    let caught: unknown;
    try {
      rethrowRevert(reverted(data), "withdraw");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ContractRevertError);
    expect((caught as ContractRevertError).errorName).toBe("RelayRegistryStillLocked");
    expect((caught as ContractRevertError).hint).toContain("wait until");
    expect((caught as ContractRevertError).details).toBe("withdraw");
    const plain = new Error("network down");
    expect(() => rethrowRevert(plain, "withdraw")).toThrow(plain);
  });
});

describe("epoch arithmetic", () => {
  const info = { genesis: 1_000n, duration: 60n };
  it("matches the contract's floor((t - genesis) / duration)", () => {
    expect(epochAt(info, 1_000n)).toBe(0n);
    expect(epochAt(info, 1_059n)).toBe(0n);
    expect(epochAt(info, 1_060n)).toBe(1n);
    expect(epochAt(info, 999n)).toBe(0n);
    expect(epochStart(info, 3n)).toBe(1_180n);
    for (const e of [0n, 1n, 17n]) expect(epochAt(info, epochStart(info, e))).toBe(e);
  });
});
