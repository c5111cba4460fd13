//! Finding a source's files under the names they are published with, and opening them whether
//! or not they are gzip-compressed (detected by the gzip magic bytes, not the file name, because
//! browsers often unpack `.gz` downloads but keep the name).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::DataError;

/// The first of `names` that exists as a file in one of `dirs` (searched in order). The error
/// names the first directory, what was looked for, and every name tried.
pub fn find_file(dirs: &[PathBuf], names: &[String], what: &str) -> Result<PathBuf, DataError> {
    for dir in dirs {
        for name in names {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let mut tried = names.join(", ");
    if dirs.len() > 1 {
        let others: Vec<String> = dirs[1..].iter().map(|d| d.display().to_string()).collect();
        tried += &format!(" (also in {})", others.join(", "));
    }
    Err(DataError::missing(&dirs[0], what, &[tried]))
}

/// Fails with a clear error when `dir` is not an existing directory.
pub fn require_dir(dir: &Path) -> Result<(), DataError> {
    if dir.is_dir() {
        Ok(())
    } else if dir.exists() {
        Err(DataError::corrupt(dir, "is not a directory"))
    } else {
        Err(DataError::corrupt(dir, "directory does not exist"))
    }
}

/// A buffered reader of the file's contents, gunzipped when the file starts with the gzip magic.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn Read>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| DataError::io(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(reader)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Turns a read error into one that says the data ended early or could not be decompressed.
pub fn read_error(path: &Path, e: std::io::Error) -> DataError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => DataError::corrupt(path, "truncated: the data ends early"),
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
            DataError::corrupt(path, format!("corrupt compressed data: {e}"))
        }
        _ => DataError::io(path, e),
    }
}

/// The folder a loader reads, from its `path` parameter; the error says how to fix a missing one.
pub fn required_path(source: &str, path: &Option<String>) -> Result<PathBuf, DataError> {
    match path.as_deref() {
        Some(p) if !p.is_empty() => {
            let dir = PathBuf::from(p);
            require_dir(&dir)?;
            Ok(dir)
        }
        _ => Err(DataError::Invalid(format!("{source}: parameter `path` is required: the folder holding the data files"))),
    }
}
