//! Loaders driven through recipes: files written here in the formats of MNIST, CIFAR-10 and
//! image folders become dataset artifacts with the right shapes, labels and class names.

mod common;

use common::{ok, text, Scratch};
use pipeline_data::Dataset;

/// The stored dataset of stage `stage` in the latest run of `recipe`.
fn stored(s: &Scratch, recipe: &str, stage: &str) -> Dataset {
    let rows = s.csv(recipe, "stages.csv");
    let key = &rows.iter().find(|r| r["stage"] == stage).unwrap()["key"];
    Dataset::load(&s.path().join(".pipeline/store").join(key)).unwrap()
}

fn write_mnist(dir: &std::path::Path, train: usize, test: usize) {
    use pipeline_data::idx::write_idx;
    std::fs::create_dir_all(dir).unwrap();
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let images: Vec<u8> = (0..n * 784).map(|i| (i % 251) as u8).collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        write_idx(&dir.join(format!("{prefix}-images-idx3-ubyte.gz")), &[n, 28, 28], &images).unwrap();
        write_idx(&dir.join(format!("{prefix}-labels.idx1-ubyte")), &[n], &labels).unwrap();
    }
}

#[test]
fn mnist_and_fashion_mnist_from_idx_files() {
    let s = Scratch::new();
    write_mnist(&s.path().join("mnist"), 50, 20);
    s.write(
        "r.yaml",
        "name: m\nstages:\n  digits: {kind: ingest, source: mnist, with: {path: mnist, train: 40}}\n  fashion: {kind: ingest, source: fashion-mnist, with: {path: mnist}}\n  look: {kind: report, method: samples, needs: [digits], with: {n: 16}}\n",
    );
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let d = stored(&s, "m", "digits");
    assert_eq!((d.train.len, d.test.len, d.layout.item_dims()), (40, 20, vec![1, 28, 28]));
    assert_eq!(d.train.labels.as_ref().unwrap()[..3], [0, 1, 2]);
    assert_eq!(d.classes[3], "3");
    let f = stored(&s, "m", "fashion");
    assert_eq!(f.classes[0], "T-shirt/top");
    assert_eq!(f.train.len, 50);
    assert!(s.path().join("results/m/latest/look/samples.png").is_file());
}

#[test]
fn cifar10_from_binary_batches() {
    let s = Scratch::new();
    let dir = s.path().join("cifar");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, n) in [("data_batch_1.bin", 3), ("data_batch_2.bin", 2), ("data_batch_3.bin", 2), ("data_batch_4.bin", 2), ("data_batch_5.bin", 2), ("test_batch.bin", 4)] {
        let mut bytes = Vec::new();
        for i in 0..n {
            bytes.push((i % 10) as u8);
            bytes.extend((0..3072).map(|j| ((j / 1024) * 100) as u8));
        }
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    s.write("r.yaml", "name: c\nstages:\n  data: {kind: ingest, source: cifar10, with: {path: cifar}}\n");
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let d = stored(&s, "c", "data");
    assert_eq!((d.train.len, d.test.len, d.layout.item_dims()), (11, 4, vec![3, 32, 32]));
    assert_eq!(d.classes[1], "automobile");
    // Plane order: R plane is 0, G plane 100, B plane 200.
    assert_eq!((d.train.images[0], d.train.images[1024], d.train.images[2048]), (0, 100, 200));
}

#[test]
fn image_folders_keep_class_names() {
    let s = Scratch::new();
    for (class, shade) in [("cats", 30u8), ("dogs", 220u8)] {
        let dir = s.path().join("imgs").join(class);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..5 {
            let img = image::RgbImage::from_pixel(20, 12, image::Rgb([shade, shade, i * 10]));
            img.save(dir.join(format!("{i}.png"))).unwrap();
        }
    }
    s.write("r.yaml", "name: f\nstages:\n  data: {kind: ingest, source: image-folder, with: {path: imgs, size: 16, channels: 1, test_fraction: 0.4}}\n");
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let d = stored(&s, "f", "data");
    assert_eq!(d.classes, vec!["cats", "dogs"]);
    assert_eq!(d.layout.item_dims(), vec![1, 16, 16]);
    assert_eq!(d.train.len + d.test.len, 10);
    assert_eq!(d.test.labels.as_ref().unwrap().iter().filter(|&&l| l == 0).count(), 2, "a stratified split");
}

#[test]
fn a_corrupt_dataset_fails_its_stage_with_the_file_named() {
    let s = Scratch::new();
    write_mnist(&s.path().join("mnist"), 10, 5);
    // Truncate the test images.
    let p = s.path().join("mnist/t10k-images-idx3-ubyte.gz");
    let raw = {
        use std::io::Read;
        let mut v = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&p).unwrap()).read_to_end(&mut v).unwrap();
        v
    };
    std::fs::remove_file(&p).unwrap();
    std::fs::write(s.path().join("mnist/t10k-images-idx3-ubyte"), &raw[..raw.len() - 100]).unwrap();
    s.write("r.yaml", "name: bad\nstages:\n  data: {kind: ingest, source: mnist, with: {path: mnist}}\n");
    let out = s.run(&["run", "-q", "r.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let msg = text(&out);
    assert!(msg.contains("t10k-images-idx3-ubyte") && msg.contains("stage `data`"), "{msg}");
    let store = std::fs::read_dir(s.path().join(".pipeline/store")).unwrap();
    assert_eq!(store.filter_map(Result::ok).filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count(), 0);
}

#[test]
fn moving_digits_can_take_loaded_digits_and_render_strips() {
    let s = Scratch::new();
    write_mnist(&s.path().join("mnist"), 30, 10);
    s.write(
        "r.yaml",
        "name: mv\nstages:\n  digits: {kind: ingest, source: mnist, with: {path: mnist}}\n  video: {kind: ingest, source: moving-digits, needs: [digits], with: {train: 6, test: 2, frames: 5, digits: 1}}\n  strip: {kind: report, method: samples, needs: [video], with: {n: 3}}\n",
    );
    ok(&s.run(&["run", "-q", "r.yaml"]));
    let v = stored(&s, "mv", "video");
    assert_eq!(v.layout.item_dims(), vec![5, 1, 64, 64]);
    let png = image::open(s.path().join("results/mv/latest/strip/samples.png")).unwrap();
    assert!(png.width() > 4 * png.height() / 3, "one strip of 5 frames per row: {}x{}", png.width(), png.height());
}
