//! The generator's own randomness: SplitMix64, a keyed mixer, and a keyed permutation.
//!
//! Everything here is fixed forever so that a seed always yields the same bytes, whatever the
//! versions of the crates around it.

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, trivially seekable.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes a key and a value into 64 well-mixed bits.
pub fn hash2(key: u64, value: u64) -> u64 {
    mix(key ^ mix(value.wrapping_add(GAMMA)))
}

impl Rng {
    /// Creates a generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// Returns the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// Returns a number in `0..n` (0 when `n` is 0), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Returns an index into a slice of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Returns a number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = high.abs_diff(low).saturating_add(1);
        low.wrapping_add(self.below(span) as i64)
    }

    /// Returns a uniform number in `[0, 1)` with 53 bits of precision.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Returns true with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Returns a number spread evenly over orders of magnitude, from 10^(low/10) to about
    /// 10^(high/10) (bounds in tenths of a decade, `low < high`). Integer arithmetic only, so
    /// every platform agrees (`f64::powf` may differ in the last bit between libms).
    pub fn log_uniform(&mut self, low_tenths: u32, high_tenths: u32) -> u64 {
        // 10^(i/10) × 1000, rounded.
        const STEPS: [u64; 11] = [1000, 1259, 1585, 1995, 2512, 3162, 3981, 5012, 6310, 7943, 10000];
        let tenth = low_tenths + self.below(u64::from(high_tenths.saturating_sub(low_tenths))) as u32;
        let (decade, step) = (tenth / 10, (tenth % 10) as usize);
        let scaled = STEPS[step] + self.below(STEPS[step + 1] - STEPS[step]);
        10u64.saturating_pow(decade).saturating_mul(scaled) / 1000
    }

    /// Picks an item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// A keyed bijection of `0..n`: a 4-round Feistel network on the smallest even number of bits
/// covering `n`, with cycle walking. Used to hand out unique identities (names, phone numbers)
/// in random-looking order.
#[derive(Debug, Clone)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Permutation {
    /// Creates a permutation of `0..n` (`n` at least 1, at most 2^62).
    pub fn new(key: u64, n: u64) -> Permutation {
        let n = n.clamp(1, 1 << 62);
        let bits = 64 - (n - 1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let keys = [hash2(key, 1), hash2(key, 2), hash2(key, 3), hash2(key, 4)];
        Permutation { n, half_bits, keys }
    }

    /// Maps `x` (taken modulo the size) to its image.
    pub fn apply(&self, x: u64) -> u64 {
        let mut value = x % self.n;
        loop {
            value = self.round_trip(value);
            if value < self.n {
                return value;
            }
        }
    }

    fn round_trip(&self, value: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let mut left = value >> self.half_bits;
        let mut right = value & mask;
        for key in self.keys {
            let next = left ^ (hash2(key, right) & mask);
            left = right;
            right = next;
        }
        (left << self.half_bits) | right
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // First outputs of SplitMix64 seeded with 0 (reference implementation by Vigna).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = Rng::new(7);
        for _ in 0..10_000 {
            assert!(rng.below(10) < 10);
            let value = rng.range(-3, 3);
            assert!((-3..=3).contains(&value));
            let unit = rng.unit();
            assert!((0.0..1.0).contains(&unit));
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn log_uniform_spreads_over_decades() {
        let mut rng = Rng::new(1);
        let mut decades = [0u32; 5];
        for _ in 0..10_000 {
            let value = rng.log_uniform(0, 50);
            assert!((1..100_000).contains(&value), "{value}");
            decades[value.to_string().len() - 1] += 1;
        }
        assert!(decades.iter().all(|count| (1_700..2_300).contains(count)), "{decades:?}");
    }

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 255, 256, 1000, 4097] {
            let perm = Permutation::new(42, n);
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = perm.apply(x);
                assert!(y < n);
                assert!(!seen[y as usize], "n={n} x={x} y={y}");
                seen[y as usize] = true;
            }
        }
    }
}
