// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/**
 * @title ObolToken
 * @notice The ERC-20 every Obol contract moves: relay stake in the RelayRegistry
 * and payments under each accounting scheme. Supports EIP-2612 `permit` so a
 * client can approve and pay in one transaction.
 * @dev The whole initial supply goes to the deployer. `mint` is owner-only and
 * exists for devnets and test chains (funding participants after deployment);
 * a production deployment renounces ownership right after deploying, which
 * fixes the supply for good (see docs/registry.md, "Token").
 */
contract ObolToken is ERC20, ERC20Permit, Ownable {
    /**
     * @notice Deploys the token and mints `initialSupply` to the deployer, who
     * also becomes the owner.
     * @param initialSupply Token units (18 decimals) minted to `msg.sender`.
     */
    constructor(uint256 initialSupply) ERC20("Obol", "OBOL") ERC20Permit("Obol") Ownable(msg.sender) {
        _mint(msg.sender, initialSupply);
    }

    /**
     * @notice Mints `amount` new tokens to `to`.
     * @dev Requirements: caller is the owner; `to` is not the zero address.
     * Emits a {Transfer} event from the zero address.
     * @param to Receiver of the new tokens.
     * @param amount Token units to create.
     */
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
