//! Writers of small files in the real formats, shared by the loader tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pipeline_data::idx::write_idx;

/// A deterministic image set: item i is filled with bytes derived from i, label i % classes.
pub fn items(n: usize, item_len: usize, classes: u32) -> (Vec<u8>, Vec<u8>) {
    let images = (0..n * item_len).map(|k| ((k / item_len) * 31 + k % 251) as u8).collect();
    let labels = (0..n).map(|i| (i as u32 % classes) as u8).collect();
    (images, labels)
}

/// The four MNIST files in `dir`: `dotted` picks `train-images.idx3-ubyte` spellings, `gz` adds `.gz`.
pub fn write_mnist(dir: &Path, n_train: usize, n_test: usize, dotted: bool, gz: bool) -> [PathBuf; 4] {
    std::fs::create_dir_all(dir).unwrap();
    let name = |prefix: &str, kind: &str, idx: &str| {
        let base = if dotted { format!("{prefix}-{kind}.{idx}-ubyte") } else { format!("{prefix}-{kind}-{idx}-ubyte") };
        dir.join(if gz { format!("{base}.gz") } else { base })
    };
    let paths = [
        name("train", "images", "idx3"),
        name("train", "labels", "idx1"),
        name("t10k", "images", "idx3"),
        name("t10k", "labels", "idx1"),
    ];
    let (tri, trl) = items(n_train, 28 * 28, 10);
    let (tei, tel) = items(n_test, 28 * 28, 10);
    write_idx(&paths[0], &[n_train, 28, 28], &tri).unwrap();
    write_idx(&paths[1], &[n_train], &trl).unwrap();
    write_idx(&paths[2], &[n_test, 28, 28], &tei).unwrap();
    write_idx(&paths[3], &[n_test], &tel).unwrap();
    paths
}

/// Loader parameters reading `dir`.
pub fn idx_params(dir: &Path) -> pipeline_data::IdxParams {
    pipeline_data::IdxParams { path: Some(dir.display().to_string()), ..Default::default() }
}

/// CIFAR-10 binary batches with `per_batch` records each: record label byte, then 3072 pixels.
pub fn write_cifar(dir: &Path, per_batch: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut paths = Vec::new();
    let names = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
    for (b, name) in names.iter().enumerate() {
        let mut bytes = Vec::new();
        for r in 0..per_batch {
            let global = b * per_batch + r;
            bytes.push((global % 10) as u8);
            // R plane = 10, G plane = 20, B plane = 30, plus the record number in the first pixel.
            for c in 0..3u8 {
                let mut plane = vec![10 * (c + 1); 1024];
                plane[0] = global as u8;
                bytes.extend_from_slice(&plane);
            }
        }
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        paths.push(p);
    }
    paths
}

/// Writes a `w`×`h` RGB image of a single colour as PNG or JPEG (by the extension of `path`).
pub fn write_image(path: &Path, w: u32, h: u32, rgb: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::RgbImage::from_pixel(w, h, image::Rgb(rgb));
    img.save(path).unwrap();
}

/// Asserts that the error's message contains every fragment.
pub fn assert_mentions(e: &pipeline_data::DataError, fragments: &[&str]) {
    let msg = e.to_string();
    eprintln!("error: {msg}");
    for f in fragments {
        assert!(msg.contains(f), "error {msg:?} should mention {f:?}");
    }
}
