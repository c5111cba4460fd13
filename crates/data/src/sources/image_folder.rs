//! `image-folder`: PNG and JPEG images in one folder per class (`path/<class>/<image>`, as in
//! torchvision's ImageFolder), optionally already split into `path/train/` and `path/test/`.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::files::required_path;
use crate::rng::{item_rng, Purpose};
use crate::subset::{finish, stratified_split};
use crate::{DataError, Dataset, Layout, Split};

pipeline_params::params! {
    /// Images in one subfolder per class (PNG or JPEG).
    pub struct ImageFolderParams {
        /// Folder of class subfolders (`path/<class>/<image>`), or holding `train/` and `test/` folders laid out that way.
        path: Option<String> = None;
        /// Side of the square images, in pixels: each image is centre-cropped to a square and resized.
        size: usize = 32, range(4, 1024);
        /// Colour channels: 1 (grayscale) or 3 (RGB).
        channels: usize = 3, range(1, 3);
        /// Fraction of each class held out for the test split when there are no `train/` and `test/` folders.
        test_fraction: f64 = 0.2, range(0.0, 0.9);
        /// Keep only N training images (a seeded random N: items are in shuffled order); unset keeps all.
        train: Option<usize> = None, range(1, 100000000);
        /// Keep only N test images (a seeded random N); unset keeps all.
        test: Option<usize> = None, range(1, 100000000);
        /// Keep only this many labelled training images per class (a stratified, seeded subset); unset keeps all.
        low_shot: Option<usize> = None, range(1, 1000000);
    }
}

/// Loads an image folder. Class names are the sorted class folder names.
pub fn image_folder(p: &ImageFolderParams, seed: u64) -> Result<Dataset, DataError> {
    if p.channels != 1 && p.channels != 3 {
        return Err(pipeline_params::ParamError::Choice { name: "channels".into(), value: p.channels.to_string(), choices: "1, 3".into() }.into());
    }
    let root = required_path("image-folder", &p.path)?;
    let (train_dir, test_dir) = (root.join("train"), root.join("test"));
    let pre_split = train_dir.is_dir() && test_dir.is_dir();
    let class_root = if pre_split { &train_dir } else { &root };
    let classes = class_folders(class_root)?;
    let (mut train_files, mut test_files) = if pre_split {
        (list_images(&train_dir, &classes, true)?, list_images(&test_dir, &classes, false)?)
    } else {
        let all = list_images(&root, &classes, true)?;
        let labels: Vec<u32> = all.iter().map(|(_, l)| *l).collect();
        let (tr, te) = stratified_split(&labels, classes.len(), p.test_fraction, seed);
        (tr.iter().map(|&i| all[i].clone()).collect(), te.iter().map(|&i| all[i].clone()).collect())
    };
    // Shuffled so that a `train`/`test` limit keeps a random subset rather than the first classes.
    train_files.shuffle(&mut item_rng(seed, Purpose::Subset, 2));
    test_files.shuffle(&mut item_rng(seed, Purpose::Subset, 3));
    train_files.truncate(p.train.unwrap_or(usize::MAX));
    test_files.truncate(p.test.unwrap_or(usize::MAX));
    let layout = Layout::image(p.channels, p.size, p.size);
    let train = decode_all(&train_files, &layout)?;
    let test = decode_all(&test_files, &layout)?;
    finish("image-folder", layout, classes, train, test, p.low_shot, seed)
}

/// Sorted names of the class folders directly under `dir` (hidden folders skipped).
fn class_folders(dir: &Path) -> Result<Vec<String>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(DataError::missing(dir, "class folders", &["<class>/<image>.png".into(), "<class>/<image>.jpg".into()]));
    }
    names.sort();
    Ok(names)
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

/// Every image file under `dir/<class>/` (recursively, sorted) with its class index. Folders of
/// `dir` that are not among `classes` are an error; a class folder without images is one too
/// when `every_class` is set (a training split must show every class).
fn list_images(dir: &Path, classes: &[String], every_class: bool) -> Result<Vec<(PathBuf, u32)>, DataError> {
    for name in class_folders(dir)? {
        if !classes.contains(&name) {
            return Err(DataError::corrupt(&dir.join(&name), format!("class folder {name:?} is not among the training classes ({})", classes.join(", "))));
        }
    }
    let mut files = Vec::new();
    for (c, class) in classes.iter().enumerate() {
        let class_dir = dir.join(class);
        let before = files.len();
        if class_dir.is_dir() {
            for entry in WalkDir::new(&class_dir).sort_by_file_name() {
                let entry = entry.map_err(|e| DataError::io(&class_dir, e.into()))?;
                if entry.file_type().is_file() && is_image(entry.path()) {
                    files.push((entry.into_path(), c as u32));
                }
            }
        }
        if every_class && files.len() == before {
            return Err(DataError::missing(&class_dir, "images", &["*.png".into(), "*.jpg".into(), "*.jpeg".into()]));
        }
    }
    Ok(files)
}

/// Decodes, crops, resizes and converts the images in parallel, into CHW planes.
fn decode_all(files: &[(PathBuf, u32)], layout: &Layout) -> Result<Split, DataError> {
    let items = files
        .par_iter()
        .map(|(path, _)| decode(path, layout))
        .collect::<Result<Vec<Vec<u8>>, DataError>>()?;
    let labels = files.iter().map(|(_, l)| *l).collect();
    Ok(Split { images: items.concat(), labels: Some(labels), len: files.len() })
}

fn decode(path: &Path, layout: &Layout) -> Result<Vec<u8>, DataError> {
    let img = image::ImageReader::open(path)
        .map_err(|e| DataError::io(path, e))?
        .with_guessed_format()
        .map_err(|e| DataError::io(path, e))?
        .decode()
        .map_err(|e| DataError::corrupt(path, format!("cannot decode image: {e}")))?;
    let side = layout.width as u32;
    let img = img.resize_to_fill(side, side, FilterType::Triangle);
    if layout.channels == 1 {
        return Ok(img.to_luma8().into_raw());
    }
    // Interleaved RGB to planes.
    let rgb = img.to_rgb8().into_raw();
    let plane = layout.height * layout.width;
    let mut out = vec![0u8; 3 * plane];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = px[c];
        }
    }
    Ok(out)
}
