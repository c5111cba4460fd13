//! Seeds: one per run, derived per stage (and per repeat inside a stage) by hashing, so that
//! streams are independent and a stage's seed does not depend on what else the recipe holds.

/// A stage's seed from the run's seed and the stage's name.
pub fn derive_seed(run_seed: u64, stage: &str) -> u64 {
    hash(&format!("seed\0{run_seed}\0{stage}"))
}

/// The seed of repeat `i` inside a stage (low-shot subsets, restarts).
pub fn sub_seed(seed: u64, i: u64) -> u64 {
    hash(&format!("sub\0{seed}\0{i}"))
}

fn hash(s: &str) -> u64 {
    let h = blake3::hash(s.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
}
