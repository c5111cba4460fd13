//! Every kind of bad input is a clear error naming the file (or parameter) and what is wrong.

mod common;

use std::io::Write;

use common::*;
use pipeline_data::{cifar10, image_folder, ingest, mnist, Cifar10Params, ImageFolderParams};
use pipeline_params::ParamMap;

#[test]
fn idx_with_a_wrong_magic_number() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_mnist(tmp.path(), 5, 5, false, false);
    let mut bytes = std::fs::read(&files[0]).unwrap();
    bytes[..4].copy_from_slice(&[0x50, 0x4b, 0x03, 0x04]);
    std::fs::write(&files[0], bytes).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["train-images-idx3-ubyte", "wrong magic number 0x504b0304", "expected 0x00000803"]);
}

#[test]
fn idx_labels_file_given_where_images_are_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_mnist(tmp.path(), 5, 5, false, false);
    std::fs::copy(&files[3], &files[2]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["t10k-images-idx3-ubyte", "wrong magic number 0x00000801", "1 dimensions where 3 are expected"]);
}

#[test]
fn idx_truncated_raw_and_gzip() {
    for gz in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let files = write_mnist(tmp.path(), 5, 5, false, gz);
        let bytes = std::fs::read(&files[0]).unwrap();
        std::fs::write(&files[0], &bytes[..bytes.len() * 2 / 3]).unwrap();
        let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
        let expected = if gz { "train-images-idx3-ubyte.gz" } else { "train-images-idx3-ubyte" };
        assert_mentions(&e, &[expected, "truncated"]);
        if !gz {
            assert_mentions(&e, &["5 × 28 × 28 = 3920 bytes"]);
        }
    }
}

#[test]
fn idx_truncated_inside_the_header() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_mnist(tmp.path(), 5, 5, false, false);
    std::fs::write(&files[1], [0u8, 0, 8, 1, 0]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["train-labels-idx1-ubyte", "truncated", "header"]);
}

#[test]
fn idx_with_trailing_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_mnist(tmp.path(), 5, 5, false, false);
    std::fs::OpenOptions::new().append(true).open(&files[1]).unwrap().write_all(&[1, 2]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["train-labels-idx1-ubyte", "extra bytes after the 5 bytes of data"]);
}

#[test]
fn idx_image_and_label_counts_disagree() {
    let tmp = tempfile::tempdir().unwrap();
    write_mnist(tmp.path(), 5, 5, false, false);
    pipeline_data::idx::write_idx(&tmp.path().join("t10k-labels-idx1-ubyte"), &[4], &[0, 1, 2, 3]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["t10k-labels-idx1-ubyte", "holds 4 labels", "t10k-images-idx3-ubyte", "holds 5 images"]);
}

#[test]
fn idx_label_out_of_range() {
    let tmp = tempfile::tempdir().unwrap();
    write_mnist(tmp.path(), 3, 3, false, false);
    pipeline_data::idx::write_idx(&tmp.path().join("train-labels-idx1-ubyte"), &[3], &[0, 12, 3]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(&e, &["train-labels-idx1-ubyte", "label 12 at index 1"]);
}

#[test]
fn idx_missing_file_lists_the_names_looked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_mnist(tmp.path(), 5, 5, false, false);
    std::fs::remove_file(&files[3]).unwrap();
    let e = mnist(&idx_params(tmp.path()), false, 0).unwrap_err();
    assert_mentions(
        &e,
        &[
            &tmp.path().display().to_string(),
            "no test labels file",
            "t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz",
            "(also in ",
        ],
    );
}

#[test]
fn missing_folder_and_missing_path_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let gone = tmp.path().join("nowhere");
    let e = mnist(&idx_params(&gone), false, 0).unwrap_err();
    assert_mentions(&e, &["nowhere", "directory does not exist"]);
    let e = cifar10(&Cifar10Params::default(), 0).unwrap_err();
    assert_mentions(&e, &["cifar10", "`path` is required"]);
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let e = image_folder(&ImageFolderParams { path: Some(file.display().to_string()), ..Default::default() }, 0).unwrap_err();
    assert_mentions(&e, &["file", "is not a directory"]);
}

#[test]
fn cifar_truncated_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_cifar(tmp.path(), 3);
    let bytes = std::fs::read(&files[1]).unwrap();
    std::fs::write(&files[1], &bytes[..bytes.len() - 100]).unwrap();
    let e = cifar10(&Cifar10Params { path: Some(tmp.path().display().to_string()), ..Default::default() }, 0).unwrap_err();
    assert_mentions(&e, &["data_batch_2.bin", "not a whole number of 3073-byte records"]);
}

#[test]
fn cifar_missing_batch_and_bad_label() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_cifar(tmp.path(), 2);
    std::fs::remove_file(&files[2]).unwrap();
    let p = Cifar10Params { path: Some(tmp.path().display().to_string()), ..Default::default() };
    let e = cifar10(&p, 0).unwrap_err();
    assert_mentions(&e, &["no CIFAR-10 training batch", "data_batch_3.bin", "cifar-10-batches-bin"]);

    let files = write_cifar(tmp.path(), 2);
    let mut bytes = std::fs::read(&files[5]).unwrap();
    bytes[3073] = 10;
    std::fs::write(&files[5], bytes).unwrap();
    let e = cifar10(&p, 0).unwrap_err();
    assert_mentions(&e, &["test_batch.bin", "record 1 has label 10"]);
}

#[test]
fn image_folder_unreadable_image() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write_image(&tmp.path().join(format!("a/{i}.png")), 8, 8, [1, 2, 3]);
        write_image(&tmp.path().join(format!("b/{i}.png")), 8, 8, [1, 2, 3]);
    }
    std::fs::write(tmp.path().join("b/broken.jpg"), b"\xff\xd8\xff\xe0 this is not really a jpeg").unwrap();
    let p = ImageFolderParams { path: Some(tmp.path().display().to_string()), test_fraction: 0.0, ..Default::default() };
    let e = image_folder(&p, 0).unwrap_err();
    assert_mentions(&e, &["broken.jpg", "cannot decode image"]);
}

#[test]
fn image_folder_without_classes_or_images_or_with_an_unknown_test_class() {
    let tmp = tempfile::tempdir().unwrap();
    let p = ImageFolderParams { path: Some(tmp.path().display().to_string()), ..Default::default() };
    assert_mentions(&image_folder(&p, 0).unwrap_err(), &["no class folders found"]);

    std::fs::create_dir_all(tmp.path().join("empty")).unwrap();
    assert_mentions(&image_folder(&p, 0).unwrap_err(), &["empty", "no images found", "*.png"]);

    let tmp = tempfile::tempdir().unwrap();
    write_image(&tmp.path().join("train/cat/0.png"), 4, 4, [0, 0, 0]);
    write_image(&tmp.path().join("test/cow/0.png"), 4, 4, [0, 0, 0]);
    let p = ImageFolderParams { path: Some(tmp.path().display().to_string()), ..Default::default() };
    assert_mentions(&image_folder(&p, 0).unwrap_err(), &["cow", "not among the training classes (cat)"]);
}

#[test]
fn bad_parameters_name_the_parameter() {
    let mut with = ParamMap::new();
    with.insert("channels".into(), serde_json::json!(2));
    with.insert("path".into(), serde_json::json!("/tmp"));
    assert_mentions(&ingest("image-folder", &with, 0, None).unwrap_err(), &["`channels`", "1, 3"]);

    let mut with = ParamMap::new();
    with.insert("trian".into(), serde_json::json!(10));
    assert_mentions(&ingest("synth-digits", &with, 0, None).unwrap_err(), &["unknown parameter `trian`", "did you mean `train`"]);

    assert_mentions(&ingest("synth-digit", &ParamMap::new(), 0, None).unwrap_err(), &["unknown source", "did you mean `synth-digits`"]);

    let mut with = ParamMap::new();
    with.insert("train".into(), serde_json::json!(20));
    with.insert("low_shot".into(), serde_json::json!(50));
    assert_mentions(&ingest("synth-digits", &with, 0, None).unwrap_err(), &["low_shot = 50", "has only"]);
}
