//! Loading small files written in the real formats: shapes, labels and class names.

mod common;

use common::*;
use pipeline_data::{cifar10, image_folder, mnist, Cifar10Params, IdxParams, ImageFolderParams};

#[test]
fn mnist_loads_raw_and_gzip_files_under_both_spellings() {
    for dotted in [false, true] {
        for gz in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            write_mnist(tmp.path(), 30, 12, dotted, gz);
            let d = mnist(&idx_params(tmp.path()), false, 0).unwrap();
            assert_eq!((d.layout.frames, d.layout.channels, d.layout.height, d.layout.width), (1, 1, 28, 28));
            assert_eq!((d.train.len, d.test.len), (30, 12));
            let (images, labels) = items(30, 784, 10);
            assert_eq!(d.train.images, images, "dotted={dotted} gz={gz}");
            assert_eq!(d.train.labels.as_ref().unwrap(), &labels.iter().map(|&l| l as u32).collect::<Vec<_>>());
            assert_eq!(d.test.images, items(12, 784, 10).0);
            assert_eq!(d.classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
            assert_eq!(d.source, "mnist");
        }
    }
}

#[test]
fn fashion_mnist_has_the_fashion_class_names_and_torchvision_raw_folder_works() {
    let tmp = tempfile::tempdir().unwrap();
    write_mnist(&tmp.path().join("raw"), 10, 10, false, true);
    let d = mnist(&idx_params(tmp.path()), true, 0).unwrap();
    assert_eq!(d.source, "fashion-mnist");
    assert_eq!(d.classes[0], "T-shirt/top");
    assert_eq!(d.classes[9], "Ankle boot");
    assert_eq!(d.classes.len(), 10);
}

#[test]
fn loader_limits_keep_the_first_items() {
    let tmp = tempfile::tempdir().unwrap();
    write_mnist(tmp.path(), 30, 12, false, false);
    let p = IdxParams { train: Some(7), test: Some(5), ..idx_params(tmp.path()) };
    let d = mnist(&p, false, 0).unwrap();
    assert_eq!((d.train.len, d.test.len), (7, 5));
    assert_eq!(d.train.images, items(30, 784, 10).0[..7 * 784]);
    assert_eq!(d.train.labels.as_ref().unwrap(), &[0, 1, 2, 3, 4, 5, 6]);
}

#[test]
fn low_shot_keeps_exactly_n_per_class_from_a_loader() {
    let tmp = tempfile::tempdir().unwrap();
    write_mnist(tmp.path(), 100, 10, false, false);
    let p = IdxParams { low_shot: Some(3), ..idx_params(tmp.path()) };
    let d = mnist(&p, false, 5).unwrap();
    assert_eq!(d.train.len, 30);
    let labels = d.train.labels.as_ref().unwrap();
    for c in 0..10 {
        assert_eq!(labels.iter().filter(|&&l| l == c).count(), 3, "class {c}");
    }
    assert_eq!(d.test.len, 10, "low_shot leaves the test split alone");
    // Images travel with their labels: each kept item equals a source item of the same label.
    let (images, source_labels) = items(100, 784, 10);
    for (k, &l) in labels.iter().enumerate() {
        let item = d.train.item(k, &d.layout);
        assert!((0..100).any(|i| source_labels[i] as u32 == l && &images[i * 784..][..784] == item), "item {k}");
    }
}

#[test]
fn cifar10_reads_planes_labels_and_subfolder() {
    for sub in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = if sub { tmp.path().join("cifar-10-batches-bin") } else { tmp.path().to_path_buf() };
        write_cifar(&dir, 4);
        let d = cifar10(&Cifar10Params { path: Some(tmp.path().display().to_string()), ..Default::default() }, 0).unwrap();
        assert_eq!((d.layout.channels, d.layout.height, d.layout.width), (3, 32, 32));
        assert_eq!((d.train.len, d.test.len), (20, 4));
        assert_eq!(d.train.labels.as_ref().unwrap()[..12], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        assert_eq!(d.test.labels.as_ref().unwrap(), &[0, 1, 2, 3]);
        let item = d.train.item(5, &d.layout);
        assert_eq!((item[0], item[1], item[1024 + 1], item[2048 + 1]), (5, 10, 20, 30));
        assert_eq!(d.classes[0], "airplane");
        assert_eq!(d.classes[9], "truck");
    }
}

#[test]
fn cifar10_class_names_come_from_batches_meta_and_limits_span_batches() {
    let tmp = tempfile::tempdir().unwrap();
    write_cifar(tmp.path(), 3);
    let names: Vec<String> = (0..10).map(|i| format!("thing{i}")).collect();
    std::fs::write(tmp.path().join("batches.meta.txt"), names.join("\n") + "\n\n").unwrap();
    let p = Cifar10Params { path: Some(tmp.path().display().to_string()), train: Some(7), test: Some(2), low_shot: None };
    let d = cifar10(&p, 0).unwrap();
    assert_eq!(d.classes, names);
    assert_eq!((d.train.len, d.test.len), (7, 2));
    // Records 0-2 come from batch 1, 3-5 from batch 2, 6 from batch 3.
    assert_eq!(d.train.item(6, &d.layout)[0], 6);
}

#[test]
fn image_folder_decodes_png_and_jpeg_with_a_seeded_stratified_split() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..5 {
        write_image(&tmp.path().join(format!("cat/{i}.png")), 20, 10, [250, 0, 0]);
        write_image(&tmp.path().join(format!("dog/nested/{i}.jpg")), 12, 12, [0, 0, 250]);
    }
    std::fs::write(tmp.path().join("dog/notes.txt"), "not an image").unwrap();
    let p = ImageFolderParams { path: Some(tmp.path().display().to_string()), size: 8, test_fraction: 0.4, ..Default::default() };
    let d = image_folder(&p, 1).unwrap();
    assert_eq!(d.classes, ["cat", "dog"]);
    assert_eq!((d.layout.channels, d.layout.height, d.layout.width), (3, 8, 8));
    assert_eq!((d.train.len, d.test.len), (6, 4));
    for split in [&d.train, &d.test] {
        let labels = split.labels.as_ref().unwrap();
        assert_eq!(labels.iter().filter(|&&l| l == 0).count() * 2, split.len, "stratified: half cats");
        for (k, &l) in labels.iter().enumerate() {
            let item = split.item(k, &d.layout);
            // Planes: red first. Cats are red, dogs (JPEG, so approximately) blue.
            let (r, b) = (item[0], item[2 * 64]);
            if l == 0 {
                assert!(r > 240 && b < 15, "cat {k}: r={r} b={b}");
            } else {
                assert!(b > 230 && r < 25, "dog {k}: r={r} b={b}");
            }
        }
    }
    assert_eq!(image_folder(&p, 1).unwrap(), d, "same seed, same split");
    assert_ne!(image_folder(&p, 2).unwrap().train.labels, d.train.labels, "another seed shuffles differently");
}

#[test]
fn image_folder_uses_train_and_test_folders_and_grayscale() {
    let tmp = tempfile::tempdir().unwrap();
    for (split, n) in [("train", 3), ("test", 2)] {
        for (class, v) in [("a", 40u8), ("b", 200u8)] {
            for i in 0..n {
                write_image(&tmp.path().join(format!("{split}/{class}/{i}.png")), 16, 16, [v, v, v]);
            }
        }
    }
    let p = ImageFolderParams { path: Some(tmp.path().display().to_string()), size: 4, channels: 1, ..Default::default() };
    let d = image_folder(&p, 0).unwrap();
    assert_eq!(d.classes, ["a", "b"]);
    assert_eq!((d.train.len, d.test.len), (6, 4));
    assert_eq!(d.layout.channels, 1);
    for (k, &l) in d.test.labels.as_ref().unwrap().iter().enumerate() {
        assert!(d.test.item(k, &d.layout).iter().all(|&v| v == if l == 0 { 40 } else { 200 }));
    }
}
