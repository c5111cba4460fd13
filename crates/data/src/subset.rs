//! The options every source shares, in one place: `train`/`test` limits, the stratified `low_shot`
//! subset, the seeded per-class train/test split of a folder, and the final [`Dataset`] assembly.

use rand::seq::SliceRandom;

use crate::rng::{item_rng, Purpose};
use crate::{DataError, Dataset, Layout, Split};

/// Keeps the first `n` items of `split` (a loader's `train`/`test` limit); `None` keeps all.
pub fn keep_first(split: &mut Split, n: Option<usize>, layout: &Layout) {
    let Some(n) = n else { return };
    if n >= split.len {
        return;
    }
    split.images.truncate(n * layout.item_len());
    split.images.shrink_to_fit();
    if let Some(labels) = &mut split.labels {
        labels.truncate(n);
    }
    split.len = n;
}

/// Indices of a seeded subset with exactly `per_class` items of every class, in their original
/// order. Fails, naming the class, when a class has fewer than `per_class` items.
pub fn low_shot_indices(labels: &[u32], classes: &[String], per_class: usize, seed: u64) -> Result<Vec<usize>, DataError> {
    let mut by_class = group_by_class(labels, classes.len());
    let mut rng = item_rng(seed, Purpose::Subset, 0);
    let mut keep = Vec::with_capacity(per_class * classes.len());
    for (c, members) in by_class.iter_mut().enumerate() {
        if members.len() < per_class {
            return Err(DataError::Invalid(format!(
                "low_shot = {per_class} asks for {per_class} labelled examples per class, but class {:?} has only {} in the train split",
                classes[c],
                members.len()
            )));
        }
        members.shuffle(&mut rng);
        keep.extend_from_slice(&members[..per_class]);
    }
    keep.sort_unstable();
    Ok(keep)
}

/// A seeded split of item indices into (train, test) that puts `test_fraction` of every class
/// (rounded, at least one item when the class has two or more) into the test side.
pub fn stratified_split(labels: &[u32], classes: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = item_rng(seed, Purpose::Subset, 1);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut members in group_by_class(labels, classes) {
        members.shuffle(&mut rng);
        let mut n_test = (members.len() as f64 * test_fraction).round() as usize;
        if test_fraction > 0.0 && n_test == 0 && members.len() >= 2 {
            n_test = 1;
        }
        test.extend_from_slice(&members[..n_test]);
        train.extend_from_slice(&members[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

fn group_by_class(labels: &[u32], classes: usize) -> Vec<Vec<usize>> {
    let mut by_class = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    by_class
}

/// The last step of every source: applies `low_shot` to the train split, then builds the dataset
/// (which computes the normalisation statistics from the train split it ends up with).
pub fn finish(
    source: &str,
    layout: Layout,
    classes: Vec<String>,
    mut train: Split,
    test: Split,
    low_shot: Option<usize>,
    seed: u64,
) -> Result<Dataset, DataError> {
    if let Some(n) = low_shot {
        let labels = train
            .labels
            .as_ref()
            .ok_or_else(|| DataError::Invalid(format!("low_shot needs labels, and {source} has none")))?;
        let keep = low_shot_indices(labels, &classes, n, seed)?;
        train = train.select(&keep, &layout);
    }
    if train.len == 0 {
        return Err(DataError::Invalid(format!("{source}: the train split is empty")));
    }
    Ok(Dataset::new(source, layout, classes, train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn low_shot_takes_exactly_n_per_class_and_depends_on_seed() {
        let labels: Vec<u32> = (0..300).map(|i| (i * 7 % 3) as u32).collect();
        let a = low_shot_indices(&labels, &names(3), 5, 1).unwrap();
        assert_eq!(a.len(), 15);
        for c in 0..3 {
            assert_eq!(a.iter().filter(|&&i| labels[i] == c).count(), 5);
        }
        assert!(a.windows(2).all(|w| w[0] < w[1]), "indices keep the original order");
        assert_eq!(a, low_shot_indices(&labels, &names(3), 5, 1).unwrap());
        assert_ne!(a, low_shot_indices(&labels, &names(3), 5, 2).unwrap());
    }

    #[test]
    fn low_shot_names_the_short_class() {
        let labels = vec![0, 0, 0, 1];
        let e = low_shot_indices(&labels, &["cat".into(), "dog".into()], 2, 0).unwrap_err();
        assert!(e.to_string().contains("\"dog\" has only 1"), "{e}");
    }

    #[test]
    fn stratified_split_covers_every_item_once() {
        let labels: Vec<u32> = (0..50).map(|i| (i % 5) as u32).collect();
        let (train, test) = stratified_split(&labels, 5, 0.2, 3);
        assert_eq!(test.len(), 10);
        for c in 0..5 {
            assert_eq!(test.iter().filter(|&&i| labels[i] == c).count(), 2);
        }
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn keep_first_truncates_images_and_labels() {
        let layout = Layout::image(1, 1, 2);
        let mut s = Split { images: vec![1, 2, 3, 4, 5, 6], labels: Some(vec![0, 1, 2]), len: 3 };
        keep_first(&mut s, Some(2), &layout);
        assert_eq!(s, Split { images: vec![1, 2, 3, 4], labels: Some(vec![0, 1]), len: 2 });
        keep_first(&mut s, Some(10), &layout);
        assert_eq!(s.len, 2);
    }
}
