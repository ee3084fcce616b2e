/**
 * The token domain (EIP-712-style: chain id, TicketBank, issuer) the
 * tickets crypto tests sign under when no chain is running: fixed addresses,
 * Hardhat's chain id.
 */
export const tokenDomain = {
  chainId: 31337,
  bank: "0x00000000000000000000000000000000000000b0",
  issuer: "0x00000000000000000000000000000000000000e1",
} as const;
