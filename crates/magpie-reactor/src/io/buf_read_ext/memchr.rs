//! A word-at-a-time byte search for the delimiter scans of `read_until`, `lines` and `split`.
//!
//! Checking eight bytes per step instead of one is what keeps line splitting cheap on long
//! lines; the `memchr` crate is not among the project's dependencies.

const WORD: usize = std::mem::size_of::<usize>();
const LO: usize = usize::from_ne_bytes([0x01; WORD]);
const HI: usize = usize::from_ne_bytes([0x80; WORD]);

/// Whether any byte of `w` is zero (exact, no false positives).
#[inline(always)]
fn has_zero_byte(w: usize) -> bool {
    w.wrapping_sub(LO) & !w & HI != 0
}

/// Returns the index of the first `needle` in `haystack`.
#[inline]
pub(crate) fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    if haystack.len() < 2 * WORD {
        return haystack.iter().position(|&b| b == needle);
    }
    let pattern = LO * needle as usize;
    let mut chunks = haystack.chunks_exact(2 * WORD);
    let mut offset = 0;
    for chunk in &mut chunks {
        let (a, b) = chunk.split_at(WORD);
        let a = usize::from_ne_bytes(a.try_into().expect("WORD bytes")) ^ pattern;
        let b = usize::from_ne_bytes(b.try_into().expect("WORD bytes")) ^ pattern;
        if has_zero_byte(a) || has_zero_byte(b) {
            break;
        }
        offset += 2 * WORD;
    }
    haystack[offset..]
        .iter()
        .position(|&b| b == needle)
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::memchr;

    #[test]
    fn agrees_with_naive_search() {
        let mut data: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
        for needle in [0u8, 1, 10, 13, 0x80, 0xff, 42] {
            for start in 0..data.len() {
                let hay = &data[start..];
                assert_eq!(
                    memchr(needle, hay),
                    hay.iter().position(|&b| b == needle),
                    "needle {needle} start {start}"
                );
            }
        }
        data.fill(b'a');
        assert_eq!(memchr(b'\n', &data), None);
        data[150] = b'\n';
        assert_eq!(memchr(b'\n', &data), Some(150));
        assert_eq!(memchr(b'\n', &[]), None);
    }
}
