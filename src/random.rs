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
///
/// # In a multi-threaded service
///
/// A generator is state that each draw advances, so calls take `&mut`. It is `Send` (not
/// `Sync`): share it the ordinary way. Two choices, both sound:
///
/// - **One per thread** (no lock; what the `rand` crate's thread-local generator does): a
///   `thread_local!` seeded on first use. Best for a service where every request draws.
/// - **One behind a `Mutex`**: a draw holds the lock for well under a microsecond (a token
///   is 32 bytes of ChaCha20), so contention is negligible at any realistic request rate.
///
/// Seeding a fresh generator per request also works, at the price of one system call and a
/// ChaCha20 key setup (a few microseconds) each time.
///
/// **In async code, lock inside the operation, never across an `.await`.** A
/// `std::sync::MutexGuard` is not `Send`, so `let mut r = random.lock()…;` followed by
/// `act(…, |i| i.resume(now, &mut *r)).await` in a tokio task fails to compile (E0277). Take
/// the lock in the closure given to `act` instead: it is held for the draw only, and the
/// future stays `Send` (`inquiry-lifecycle-store`'s README shows the form that compiles).
///
/// ```
/// use std::cell::RefCell;
/// use std::sync::{Arc, Mutex};
/// use chrono::{TimeZone, Utc};
/// use inquiry_lifecycle::{Inquiry, Policy, SecureRandom};
///
/// // One per thread.
/// thread_local! {
///     static RANDOM: RefCell<SecureRandom> =
///         RefCell::new(SecureRandom::from_os().expect("the OS has a random source"));
/// }
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (mut inquiry, _created) =
///     RANDOM.with(|random| Inquiry::create(&Policy::default(), t0, &mut *random.borrow_mut()))?;
/// let opened = RANDOM.with(|random| inquiry.start(t0, &mut *random.borrow_mut()))?;
/// # let _ = opened;
///
/// // One behind a mutex, shared by every worker thread.
/// let shared = Arc::new(Mutex::new(SecureRandom::from_os().expect("the OS has a random source")));
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let shared = Arc::clone(&shared);
///         std::thread::spawn(move || {
///             let mut random = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
///             Inquiry::create(&Policy::default(), t0, &mut *random).map(|(inquiry, _)| inquiry.id())
///         })
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap()?;
/// }
/// # Ok::<(), inquiry_lifecycle::Error>(())
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
