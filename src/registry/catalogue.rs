//! Every method the binary knows, in the order `pipeline list` shows them.

use super::{AnyMethod, Kind};
use crate::stages::{cluster, evaluate, finetune, ingest, pretext, pretrain, report};

static ALL: &[&dyn AnyMethod] = &[
    &ingest::synth_digits::SynthDigits,
    &ingest::synth_digits::ColorShapes,
    &ingest::moving_digits::MovingDigits,
    &ingest::loaders::Mnist,
    &ingest::loaders::FashionMnist,
    &ingest::loaders::Cifar10,
    &ingest::loaders::ImageFolder,
    &ingest::pad::Pad,
    &ingest::noise::Noise,
    &pretext::rotation::Rotation,
    &pretext::jigsaw::Jigsaw,
    &pretext::relative_position::RelativePosition,
    &pretext::colorization::Colorization,
    &pretext::inpainting::Inpainting,
    &pretext::exemplar::Exemplar,
    &pretext::temporal_order::TemporalOrder,
    &pretrain::random::Random,
    &pretrain::supervised::Supervised,
    &pretrain::autoencoder::Ae,
    &pretrain::autoencoder::Dae,
    &pretrain::vae::Vae,
    &pretrain::gan::Gan,
    &pretrain::pixelcnn::PixelCnnMethod,
    &pretrain::video::VideoDeterministic,
    &pretrain::video::SvgFp,
    &pretrain::video::SvgLp,
    &pretrain::pretext::Pretext,
    &pretrain::nat::Nat,
    &pretrain::deepcluster::DeepCluster,
    &cluster::kmeans::KMeans,
    &finetune::linear::Linear,
    &finetune::full::Full,
    &finetune::low_shot::LowShot,
    &evaluate::accuracy::Accuracy,
    &evaluate::knn::Knn,
    &evaluate::reconstruction::Reconstruction,
    &evaluate::likelihood::Elbo,
    &evaluate::likelihood::Nll,
    &evaluate::clustering::ClusterAcc,
    &evaluate::clustering::Nmi,
    &evaluate::clustering::Ari,
    &evaluate::video_prediction::VideoPrediction,
    &report::samples::Samples,
    &report::generate::Generate,
    &report::video_curves::VideoCurves,
    &report::video_strips::VideoStrips,
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
