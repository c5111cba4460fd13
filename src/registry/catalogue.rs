//! Every method the binary knows, in the order `pipeline list` shows them.

use super::{AnyMethod, Kind};
use crate::stages::{cluster, evaluate, finetune, ingest, pretrain, report};

static ALL: &[&dyn AnyMethod] = &[
    &ingest::synth_digits::SynthDigits,
    &ingest::synth_digits::ColorShapes,
    &ingest::moving_digits::MovingDigits,
    &ingest::loaders::Mnist,
    &ingest::loaders::FashionMnist,
    &ingest::loaders::Cifar10,
    &ingest::loaders::ImageFolder,
    &pretrain::random::Random,
    &pretrain::supervised::Supervised,
    &pretrain::autoencoder::Ae,
    &pretrain::autoencoder::Dae,
    &cluster::kmeans::KMeans,
    &finetune::linear::Linear,
    &finetune::full::Full,
    &finetune::low_shot::LowShot,
    &evaluate::accuracy::Accuracy,
    &evaluate::knn::Knn,
    &evaluate::reconstruction::Reconstruction,
    &evaluate::clustering::ClusterAcc,
    &evaluate::clustering::Nmi,
    &evaluate::clustering::Ari,
    &report::samples::Samples,
];

pub fn all() -> &'static [&'static dyn AnyMethod] {
    ALL
}

pub fn methods_of(kind: Kind) -> impl Iterator<Item = &'static dyn AnyMethod> {
    ALL.iter().copied().filter(move |m| m.info().kind == kind)
}

pub fn find(kind: Kind, name: &str) -> Option<&'static dyn AnyMethod> {
    methods_of(kind).find(|m| m.info().name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_within_a_kind() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert!(
                    a.info().kind != b.info().kind || a.info().name != b.info().name,
                    "{} {} declared twice",
                    a.info().kind,
                    a.info().name
                );
            }
        }
    }

    #[test]
    fn every_default_passes_its_own_validation() {
        for m in ALL {
            m.resolve(&Default::default()).unwrap_or_else(|e| panic!("{}: {e}", m.info().name));
        }
    }
}
