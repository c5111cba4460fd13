//! `cifar10`: the binary version of CIFAR-10 (Krizhevsky 2009): `data_batch_1.bin` …
//! `data_batch_5.bin` and `test_batch.bin`, each a run of 3073-byte records (a label byte, then
//! the 32×32 red, green and blue planes).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::classes::{owned, CIFAR10};
use crate::files::{find_file, read_error, required_path};
use crate::subset::finish;
use crate::{DataError, Dataset, Layout, Split};

const PIXELS: usize = 3 * 32 * 32;
const RECORD: usize = 1 + PIXELS;
const TRAIN_BATCHES: [&str; 5] = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

pipeline_params::params! {
    /// CIFAR-10 from its binary batches in a folder.
    pub struct Cifar10Params {
        /// Folder with data_batch_1.bin … data_batch_5.bin and test_batch.bin (or the cifar-10-batches-bin/ folder inside it).
        path: Option<String> = None;
        /// Keep only the first N training images; unset keeps all.
        train: Option<usize> = None, range(1, 100000000);
        /// Keep only the first N test images; unset keeps all.
        test: Option<usize> = None, range(1, 100000000);
        /// Keep only this many labelled training images per class (a stratified, seeded subset); unset keeps all.
        low_shot: Option<usize> = None, range(1, 1000000);
    }
}

/// Loads CIFAR-10 from `p.path`. Class names come from `batches.meta.txt` when it is there.
pub fn cifar10(p: &Cifar10Params, seed: u64) -> Result<Dataset, DataError> {
    let root = required_path("cifar10", &p.path)?;
    let dirs = [root.clone(), root.join("cifar-10-batches-bin")];
    let train_files = TRAIN_BATCHES
        .iter()
        .map(|name| find_file(&dirs, &[name.to_string()], "CIFAR-10 training batch"))
        .collect::<Result<Vec<_>, _>>()?;
    let test_file = find_file(&dirs, &["test_batch.bin".to_string()], "CIFAR-10 test batch")?;
    let dir = train_files[0].parent().map(Path::to_path_buf).unwrap_or(root);
    let classes = class_names(&dir)?;
    let train = read_batches(&train_files, p.train, classes.len())?;
    let test = read_batches(&[test_file], p.test, classes.len())?;
    finish("cifar10", Layout::image(3, 32, 32), classes, train, test, p.low_shot, seed)
}

/// Class names from `batches.meta.txt` (one per line), or the standard ten.
fn class_names(dir: &Path) -> Result<Vec<String>, DataError> {
    let meta = dir.join("batches.meta.txt");
    if !meta.is_file() {
        return Ok(owned(&CIFAR10));
    }
    let text = std::fs::read_to_string(&meta).map_err(|e| DataError::io(&meta, e))?;
    let names: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if names.is_empty() {
        return Err(DataError::corrupt(&meta, "names no classes"));
    }
    Ok(names)
}

/// Reads the records of `files` in order, stopping after `limit` records.
fn read_batches(files: &[PathBuf], limit: Option<usize>, classes: usize) -> Result<Split, DataError> {
    let mut counts = Vec::with_capacity(files.len());
    for f in files {
        let len = std::fs::metadata(f).map_err(|e| DataError::io(f, e))?.len() as usize;
        if len == 0 || !len.is_multiple_of(RECORD) {
            return Err(DataError::corrupt(
                f,
                format!("size {len} bytes is not a whole number of {RECORD}-byte records (1 label byte + {PIXELS} pixel bytes): truncated, or not a CIFAR-10 binary batch"),
            ));
        }
        counts.push(len / RECORD);
    }
    let n = counts.iter().sum::<usize>().min(limit.unwrap_or(usize::MAX));
    let mut images = vec![0u8; n * PIXELS];
    let mut labels = Vec::with_capacity(n);
    let mut record = [0u8; 1];
    'files: for (f, &count) in files.iter().zip(&counts) {
        let mut r = BufReader::with_capacity(1 << 20, File::open(f).map_err(|e| DataError::io(f, e))?);
        for i in 0..count {
            if labels.len() == n {
                break 'files;
            }
            r.read_exact(&mut record).map_err(|e| read_error(f, e))?;
            if record[0] as usize >= classes {
                return Err(DataError::corrupt(
                    f,
                    format!("record {i} has label {}, but there are only {classes} classes (0-{})", record[0], classes - 1),
                ));
            }
            let k = labels.len();
            r.read_exact(&mut images[k * PIXELS..][..PIXELS]).map_err(|e| read_error(f, e))?;
            labels.push(record[0] as u32);
        }
    }
    Ok(Split { images, labels: Some(labels), len: n })
}
