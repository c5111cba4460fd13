//! Loaders for datasets on local disk: MNIST and Fashion-MNIST (IDX, raw or gzip), CIFAR-10
//! (binary batches) and image folders (`path/<class>/<image>`, PNG or JPEG).
//! They are not seeded (a seed sweep shares one load), so their subsets use seed 0.

use pipeline_data::sources::cifar10::{cifar10, Cifar10Params};
use pipeline_data::sources::image_folder::{image_folder, ImageFolderParams};
use pipeline_data::sources::mnist::{mnist, IdxParams};

use super::ingest_method;

ingest_method!(Mnist, "mnist", "MNIST from its four IDX files (raw or .gz) in `path`", IdxParams, false, |p, seed| mnist(&p, false, seed));
ingest_method!(
    FashionMnist,
    "fashion-mnist",
    "Fashion-MNIST from its four IDX files (raw or .gz) in `path`",
    IdxParams,
    false,
    |p, seed| mnist(&p, true, seed)
);
ingest_method!(Cifar10, "cifar10", "CIFAR-10 from its binary batches in `path`", Cifar10Params, false, |p, seed| cifar10(&p, seed));
ingest_method!(
    ImageFolder,
    "image-folder",
    "images in `path/<class>/<file>` (PNG or JPEG), resized to `size`, with `channels` 1 or 3",
    ImageFolderParams,
    false,
    |p, seed| image_folder(&p, seed)
);
