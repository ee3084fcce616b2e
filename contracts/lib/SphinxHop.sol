// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title SphinxHop
 * @notice On-chain check of one hop's Obol Sphinx v1 header (DESIGN §3, X25519
 * group) for the shopper network's parameters (slot 0 bytes, 5 hops: routing
 * info 350 bytes, header 415 bytes). Used by the malformed-hop dispute
 * (docs/shopper.md §Malformed hops): given the hop's shared secret and
 * ephemeral key recomputed from the loop's VRF output, it decides whether a
 * relay following the pipeline's rules forwards the packet to `next`.
 *
 * Header = version(1) ‖ E(32) ‖ routing info(350) ‖ MAC(32).
 * MAC = HMAC-SHA256(HMAC-SHA256("mu", ss), routing ‖ "obol-sphinx-v1").
 * Plain = routing ‖ zeros XOR ChaCha20(HMAC-SHA256("rho", ss), nonce 0) (DJB
 * ChaCha20 as libsodium's crypto_stream_chacha20); hop payload = plain[0..38]:
 * bigsize(37) ‖ flags ‖ next(32) ‖ delay(u32 BE); next MAC = plain[38..70].
 */
library SphinxHop {
    uint256 internal constant ROUTING_INFO_SIZE = 350;
    uint256 internal constant HEADER_SIZE = 1 + 32 + ROUTING_INFO_SIZE + 32;
    uint8 internal constant FLAG_FORWARD = 0x00;
    uint8 internal constant FLAG_DELIVER = 0x01;
    bytes internal constant ASSOCIATED_DATA = "obol-sphinx-v1";

    /**
     * @notice Whether `header` is what an honest loop sender gives this hop: the expected
     * ephemeral key, a valid MAC, and an instruction the pipeline carries out (forward to
     * `next` with a next MAC, or `deliver` to a mailbox at the final hop, as a user message
     * ends; delay ≤ maxDelayMs). Any 32-byte mailbox is carried out at a gateway.
     */
    function carriesOut(bytes calldata header, bytes32 ss, bytes32 e, address next, bool last, uint32 maxDelayMs)
        internal
        pure
        returns (bool)
    {
        if (header.length != HEADER_SIZE || header[0] != 0) return false;
        if (bytes32(header[1:33]) != e) return false;
        bytes calldata routing = header[33:33 + ROUTING_INFO_SIZE];
        bytes32 mu = hmac(bytes("mu"), abi.encodePacked(ss));
        if (hmac(abi.encodePacked(mu), abi.encodePacked(routing, ASSOCIATED_DATA)) != bytes32(header[383:415])) return false;
        bytes32 rho = hmac(bytes("rho"), abi.encodePacked(ss));
        bytes memory ks = abi.encodePacked(block_(rho, 0), block_(rho, 1));
        bytes memory plain = new bytes(70);
        for (uint256 i = 0; i < 70; ++i) {
            plain[i] = routing[i] ^ ks[i];
        }
        if (uint8(plain[0]) != 37) return false;
        if (uint8(plain[1]) != (last ? FLAG_DELIVER : FLAG_FORWARD)) return false;
        bytes32 nextField;
        bytes32 nextMac;
        uint32 delay;
        assembly ("memory-safe") {
            nextField := mload(add(plain, 34)) // plain[2..34]
            nextMac := mload(add(plain, 70)) // plain[38..70]
        }
        delay = uint32(bytes4(abi.encodePacked(plain[34], plain[35], plain[36], plain[37])));
        if (delay > maxDelayMs) return false;
        if (last) return nextMac == bytes32(0); // nextField: the mailbox
        return nextField == bytes32(uint256(uint160(next))) && nextMac != bytes32(0);
    }

    /// @notice HMAC-SHA256 (RFC 2104) for keys of at most 64 bytes.
    function hmac(bytes memory key, bytes memory message) internal pure returns (bytes32) {
        bytes memory k = new bytes(64);
        for (uint256 i = 0; i < key.length; ++i) {
            k[i] = key[i];
        }
        bytes memory ipad = new bytes(64);
        bytes memory opad = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) {
            ipad[i] = k[i] ^ 0x36;
            opad[i] = k[i] ^ 0x5c;
        }
        return sha256(abi.encodePacked(opad, sha256(abi.encodePacked(ipad, message))));
    }

    /// @notice ChaCha20 block `counter` under `key` with the zero nonce (RFC 8439 §2.3), 64 bytes.
    function block_(bytes32 key, uint32 counter) internal pure returns (bytes memory out) {
        uint32[16] memory s;
        s[0] = 0x61707865;
        s[1] = 0x3320646e;
        s[2] = 0x79622d32;
        s[3] = 0x6b206574;
        for (uint256 i = 0; i < 8; ++i) {
            s[4 + i] = _le32(key, i);
        }
        s[12] = counter;
        uint32[16] memory x = _copy(s);
        for (uint256 r = 0; r < 10; ++r) {
            _qr(x, 0, 4, 8, 12);
            _qr(x, 1, 5, 9, 13);
            _qr(x, 2, 6, 10, 14);
            _qr(x, 3, 7, 11, 15);
            _qr(x, 0, 5, 10, 15);
            _qr(x, 1, 6, 11, 12);
            _qr(x, 2, 7, 8, 13);
            _qr(x, 3, 4, 9, 14);
        }
        out = new bytes(64);
        for (uint256 i = 0; i < 16; ++i) {
            uint32 v;
            unchecked {
                v = x[i] + s[i];
            }
            out[4 * i] = bytes1(uint8(v));
            out[4 * i + 1] = bytes1(uint8(v >> 8));
            out[4 * i + 2] = bytes1(uint8(v >> 16));
            out[4 * i + 3] = bytes1(uint8(v >> 24));
        }
    }

    function _copy(uint32[16] memory s) private pure returns (uint32[16] memory x) {
        for (uint256 i = 0; i < 16; ++i) {
            x[i] = s[i];
        }
    }

    /// @dev Little-endian 32-bit word `i` of `key`.
    function _le32(bytes32 key, uint256 i) private pure returns (uint32) {
        uint256 o = 4 * i;
        return uint32(uint8(key[o])) | (uint32(uint8(key[o + 1])) << 8) | (uint32(uint8(key[o + 2])) << 16)
            | (uint32(uint8(key[o + 3])) << 24);
    }

    function _qr(uint32[16] memory x, uint256 a, uint256 b, uint256 c, uint256 d) private pure {
        unchecked {
            x[a] += x[b];
            x[d] = _rotl(x[d] ^ x[a], 16);
            x[c] += x[d];
            x[b] = _rotl(x[b] ^ x[c], 12);
            x[a] += x[b];
            x[d] = _rotl(x[d] ^ x[a], 8);
            x[c] += x[d];
            x[b] = _rotl(x[b] ^ x[c], 7);
        }
    }

    function _rotl(uint32 v, uint32 n) private pure returns (uint32) {
        return (v << n) | (v >> (32 - n));
    }
}
