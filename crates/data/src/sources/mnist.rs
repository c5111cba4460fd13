//! `mnist` and `fashion-mnist`: the four IDX files of MNIST (LeCun et al. 1998) or Fashion-MNIST
//! (Xiao et al. 2017) in a folder, raw or gzip-compressed, under the names they are published with.

use std::path::{Path, PathBuf};

use crate::classes::{owned, DIGITS, FASHION};
use crate::files::{find_file, required_path};
use crate::idx::{read_idx, IdxArray};
use crate::subset::{finish, keep_first};
use crate::{DataError, Dataset, Layout, Split};

pipeline_params::params! {
    /// MNIST or Fashion-MNIST from the four IDX files (raw or .gz) in a folder.
    pub struct IdxParams {
        /// Folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (or `train-images.idx3-ubyte` spellings; each may end in .gz; a `raw/` subfolder is searched too).
        path: Option<String> = None;
        /// Keep only the first N training images; unset keeps all.
        train: Option<usize> = None, range(1, 100000000);
        /// Keep only the first N test images; unset keeps all.
        test: Option<usize> = None, range(1, 100000000);
        /// Keep only this many labelled training images per class (a stratified, seeded subset); unset keeps all.
        low_shot: Option<usize> = None, range(1, 1000000);
    }
}

/// Loads MNIST (`fashion = false`) or Fashion-MNIST (`fashion = true`) from `p.path`.
pub fn mnist(p: &IdxParams, fashion: bool, seed: u64) -> Result<Dataset, DataError> {
    let source = if fashion { "fashion-mnist" } else { "mnist" };
    let root = required_path(source, &p.path)?;
    // torchvision keeps the files in `<root>/raw/`.
    let dirs = [root.clone(), root.join("raw")];
    let (train, layout) = read_pair(&dirs, "train", source)?;
    let (test, test_layout) = read_pair(&dirs, "t10k", source)?;
    if test_layout != layout {
        return Err(DataError::corrupt(
            &find(&dirs, "t10k", "images", "idx3")?,
            format!("test images are {}×{}, but the training images are {}×{}", test_layout.height, test_layout.width, layout.height, layout.width),
        ));
    }
    let (mut train, mut test) = (train, test);
    keep_first(&mut train, p.train, &layout);
    keep_first(&mut test, p.test, &layout);
    let classes = owned(if fashion { &FASHION } else { &DIGITS });
    finish(source, layout, classes, train, test, p.low_shot, seed)
}

/// The file `<prefix>-<kind>-<idxN>-ubyte` under any of its published spellings.
fn find(dirs: &[PathBuf], prefix: &str, kind: &str, idx: &str) -> Result<PathBuf, DataError> {
    let names: Vec<String> = [format!("{prefix}-{kind}-{idx}-ubyte"), format!("{prefix}-{kind}.{idx}-ubyte")]
        .into_iter()
        .flat_map(|n| [n.clone(), format!("{n}.gz")])
        .collect();
    let split = if prefix == "train" { "training" } else { "test" };
    find_file(dirs, &names, &format!("{split} {kind} file"))
}

/// Reads and cross-checks one split's image and label files.
fn read_pair(dirs: &[PathBuf], prefix: &str, source: &str) -> Result<(Split, Layout), DataError> {
    let images_path = find(dirs, prefix, "images", "idx3")?;
    let labels_path = find(dirs, prefix, "labels", "idx1")?;
    let IdxArray { dims, data } = read_idx(&images_path, 3)?;
    let layout = Layout::image(1, dims[1], dims[2]);
    let labels = read_idx(&labels_path, 1)?.data;
    if labels.len() != dims[0] {
        return Err(DataError::corrupt(
            &labels_path,
            format!("holds {} labels, but {} holds {} images", labels.len(), images_path.display(), dims[0]),
        ));
    }
    check_labels(&labels_path, &labels, source)?;
    let labels = labels.into_iter().map(u32::from).collect();
    Ok((Split { images: data, labels: Some(labels), len: dims[0] }, layout))
}

fn check_labels(path: &Path, labels: &[u8], source: &str) -> Result<(), DataError> {
    match labels.iter().position(|&l| l >= 10) {
        Some(i) => Err(DataError::corrupt(path, format!("label {} at index {i} is outside the 10 classes of {source} (0-9)", labels[i]))),
        None => Ok(()),
    }
}
