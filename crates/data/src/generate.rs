//! Drawing a split item by item, in parallel, each item from its own seeded stream (so the bytes
//! do not depend on the thread count, and the test split not on the train count).

use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::rng::{item_rng, Purpose};
use crate::{DataError, Split};

/// The most bytes one generated split may take; beyond it the request is surely a typo, and
/// failing beats the allocator aborting the process.
const MAX_SPLIT_BYTES: usize = 8 << 30;

/// Builds a split of `n` items of `item_len` bytes; `draw` fills one item and returns its label
/// (all `Some` for labelled sources, all `None` for unlabelled ones).
pub fn generate_split<F>(source: &str, n: usize, item_len: usize, seed: u64, purpose: Purpose, draw: F) -> Result<Split, DataError>
where
    F: Fn(&mut ChaCha8Rng, &mut [u8]) -> Option<u32> + Sync,
{
    let bytes = n.checked_mul(item_len).filter(|&b| b <= MAX_SPLIT_BYTES).ok_or_else(|| {
        DataError::Invalid(format!(
            "{source}: {n} items of {item_len} bytes exceed the {} GiB a generated split may take; lower the item count",
            MAX_SPLIT_BYTES >> 30
        ))
    })?;
    let mut images = vec![0u8; bytes];
    let mut labels = vec![None; n];
    images
        .par_chunks_mut(item_len.max(1))
        .zip(labels.par_iter_mut())
        .enumerate()
        .for_each(|(i, (item, label))| {
            let mut rng = item_rng(seed, purpose, i);
            *label = draw(&mut rng, item);
        });
    let labels = if n == 0 { None } else { labels.into_iter().collect::<Option<Vec<u32>>>() };
    Ok(Split { images, labels, len: n })
}
