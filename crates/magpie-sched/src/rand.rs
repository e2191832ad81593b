//! A tiny xorshift generator for picking steal victims: fast, and good enough to spread
//! thieves over victims (no statistical quality is needed).

pub(crate) struct FastRand {
    one: u32,
    two: u32,
}

impl FastRand {
    pub(crate) fn new(seed: u64) -> FastRand {
        // Mix the seed so workers 0, 1, 2.. do not start in lock-step.
        let seed = seed
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let one = (seed >> 32) as u32 | 1;
        let two = seed as u32 | 1;
        FastRand { one, two }
    }

    fn next(&mut self) -> u32 {
        let mut s1 = self.one;
        let s0 = self.two;
        s1 ^= s1 << 17;
        s1 = s1 ^ s0 ^ (s1 >> 7) ^ (s0 >> 16);
        self.one = s0;
        self.two = s1;
        s0.wrapping_add(s1)
    }

    /// A number in `0..n` (Lemire's multiply-shift: no division).
    pub(crate) fn next_n(&mut self, n: u32) -> u32 {
        ((u64::from(self.next()) * u64::from(n)) >> 32) as u32
    }
}
