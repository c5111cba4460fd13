//! Seeded random streams: one independent ChaCha8 stream per (purpose, item), so that items can be
//! drawn in parallel and the test split does not change when the train count does.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is for; each purpose gets its own range of ChaCha stream ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Train = 1,
    Test = 2,
    /// Choosing subsets (low-shot, train/test split of a folder).
    Subset = 3,
}

/// The random stream of item `index` of `purpose` under `seed`.
pub fn item_rng(seed: u64, purpose: Purpose, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // ChaCha stream ids are 64-bit: the purpose in the top byte leaves 2^56 items per purpose.
    rng.set_stream(((purpose as u64) << 56) | index as u64);
    rng
}
