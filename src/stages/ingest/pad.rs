//! `pad`: places every image of a dataset at the centre of a larger canvas of zeros (the
//! background of the built-in digit data). This is how a still-image probe meets an encoder
//! trained on larger frames: 32×32 digits padded to 64×64 look like a digit in a moving-digits
//! frame, so a temporal-order encoder can be judged on labelled digits.

use std::sync::Arc;

use pipeline_data::{Dataset, Layout, Split};

use crate::artifact::Artifact;
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};

pipeline_params::params! {
    /// Padding to a larger canvas.
    pub struct PadParams {
        /// Side of the square canvas (at least the images' sides).
        size: usize = 64, range(1, 4096);
    }
}

pub struct Pad;

impl Method for Pad {
    type Params = PadParams;
    const INFO: Info = Info {
        kind: Kind::Ingest,
        name: "pad",
        doc: "the images of a dataset centred on a larger zero canvas (e.g. 32×32 digits → 64×64, the size of moving-digits frames)",
        version: 1,
        inputs: &[Slot::one("data", &[ArtifactType::Dataset])],
        output: ArtifactType::Dataset,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, p: PadParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        let l = data.layout;
        if l.height > p.size || l.width > p.size {
            crate::bail!("cannot pad {}×{} images of `{}` to a smaller {}×{} canvas", l.height, l.width, data.source, p.size, p.size);
        }
        let to = Layout { height: p.size, width: p.size, ..l };
        let (top, left) = ((p.size - l.height) / 2, (p.size - l.width) / 2);
        let pad = |s: &Split| {
            let mut images = vec![0u8; s.len * to.item_len()];
            for (src, dst) in s.images.chunks_exact(l.height * l.width).zip(images.chunks_exact_mut(p.size * p.size)) {
                for y in 0..l.height {
                    let at = (top + y) * p.size + left;
                    dst[at..at + l.width].copy_from_slice(&src[y * l.width..(y + 1) * l.width]);
                }
            }
            Split { images, labels: s.labels.clone(), len: s.len }
        };
        let source = format!("{}+pad{}", data.source, p.size);
        Ok(Artifact::Dataset(Arc::new(Dataset::new(&source, to, data.classes.clone(), pad(&data.train), pad(&data.test)))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Progress;
    use crate::registry::AnyMethod;
    use crate::stage_ctx::Input;

    #[test]
    fn images_sit_at_the_centre_of_the_canvas() {
        let train = Split { images: vec![1, 2, 3, 4, 5, 6, 7, 8], labels: Some(vec![3, 4]), len: 2 };
        let d = Dataset::new("t", Layout::image(1, 2, 2), vec![], train.clone(), train);
        let input = Input { slot: "data", stage: "d".into(), artifact: Artifact::Dataset(Arc::new(d)) };
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = StageCtx::new("p".into(), 0, candle_core::Device::Cpu, dir.path().into(), vec![input], Progress::hidden());
        let with = [("size".to_string(), serde_json::json!(4))].into_iter().collect();
        let Artifact::Dataset(out) = Pad.run_map(&mut ctx, &with).unwrap() else { panic!() };
        assert_eq!(out.layout, Layout::image(1, 4, 4));
        assert_eq!(&out.train.images[..16], &[0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
        assert_eq!(out.train.labels, Some(vec![3, 4]));
        let with = [("size".to_string(), serde_json::json!(1))].into_iter().collect();
        assert!(Pad.run_map(&mut ctx, &with).unwrap_err().to_string().contains("smaller"));
    }
}
