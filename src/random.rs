//! Injectable randomness for session tokens and ids.

use std::fmt;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// A source of random bytes for session tokens and ids.
///
/// Session tokens are bearer secrets (rule S2): in production the source must be a
/// cryptographically secure generator, such as [`SecureRandom`]. Tests and scenarios use
/// [`SeededRandom`] to get the same tokens and ids on every run.
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// The production source: ChaCha20 seeded once from the operating system.
///
/// Drawing a token costs no system call: the generator runs in user space, as the
/// standard `rand` crates do, after one 256-bit seed from the operating system.
///
/// ```
/// use inquiry_lifecycle::{RandomSource, SecureRandom};
/// let mut random = SecureRandom::from_os().expect("the OS has a random source");
/// let mut bytes = [0u8; 32];
/// random.fill_bytes(&mut bytes);
/// ```
pub struct SecureRandom(ChaCha20Rng);

impl SecureRandom {
    /// Seeds a new generator from the operating system's random source.
    pub fn from_os() -> Result<Self, RandomUnavailable> {
        ChaCha20Rng::try_from_os_rng()
            .map(SecureRandom)
            .map_err(|_| RandomUnavailable)
    }
}

impl RandomSource for SecureRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

impl fmt::Debug for SecureRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The generator's state would predict every future token: never show it.
        f.write_str("SecureRandom { .. }")
    }
}

/// A deterministic source for tests and scenarios: the same seed gives the same bytes.
///
/// **Never use it in production**: anyone who knows the seed knows every token.
///
/// ```
/// use inquiry_lifecycle::{RandomSource, SeededRandom};
/// let (mut a, mut b) = (SeededRandom::new(7), SeededRandom::new(7));
/// let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
/// a.fill_bytes(&mut x);
/// b.fill_bytes(&mut y);
/// assert_eq!(x, y);
/// ```
#[derive(Clone)]
pub struct SeededRandom(ChaCha20Rng);

impl SeededRandom {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRandom(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl RandomSource for SeededRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

impl fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRandom { .. }")
    }
}

/// The operating system's random source could not be read to seed [`SecureRandom`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the operating system's random source is unavailable; session tokens cannot be issued safely"
)]
pub struct RandomUnavailable;
