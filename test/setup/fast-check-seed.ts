/** The suite's fast-check seed (as the properties that chose one themselves: 0x0b01); no side effect, so a test can read it. */
export const FAST_CHECK_SEED = 0x0b01;
