//! `jigsaw`: Noroozi & Favaro (ECCV 2016), "Unsupervised Learning of Visual Representations by
//! Solving Jigsaw Puzzles": 3×3 tiles with gap and jitter, shuffled by one of a maximal-distance
//! permutation set (stored as the stage's `permutations` table); P-way classification.
//!
//! Tiles are resized to the image size, so the shared tile encoder is the network a probe later
//! runs on whole images (every layer, fc included); the price is that tiles are seen ~3× larger
//! than the probe's images show the same strokes.

use pipeline_pretext::jigsaw::{jigsaw, JigsawParams, TILES};
use pipeline_pretext::permutations::maximal_set;
use pipeline_pretext::{item_rng, Purpose};

use super::{image_shape, source, Made, INPUTS};
use crate::artifact::{Artifact, TargetKind};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};

pub struct Jigsaw;

impl Method for Jigsaw {
    type Params = JigsawParams;
    const INFO: Info = Info {
        kind: Kind::Pretext,
        name: "jigsaw",
        doc: "3×3 tiles (gap, jitter) shuffled by one of a max-min-Hamming permutation set; P-way classification (Noroozi & Favaro 2016)",
        version: 1,
        inputs: INPUTS,
        output: ArtifactType::PretextDataset,
        seeded: true,
    };

    fn run(&self, ctx: &mut StageCtx, p: JigsawParams) -> Result<Artifact, StageError> {
        let data = ctx.dataset("data")?;
        ctx.progress().update(0, 1, "choosing permutations");
        let set = maximal_set(TILES, p.permutations, &mut item_rng(ctx.seed, "jigsaw", Purpose::Setup, 0))?;
        ctx.metric("min_hamming", set.min_distance as f64);
        ctx.progress().update(0, 1, "cutting tiles");
        let train = jigsaw(&source(&data, &data.train)?, &p, &set, ctx.seed, Purpose::Train)?;
        let test = jigsaw(&source(&data, &data.test)?, &p, &set, ctx.seed, Purpose::Test)?;
        let mut made = Made::new("jigsaw", TILES, image_shape(&data), TargetKind::Class, set.perms.len(), train, test);
        let table = set.perms.iter().map(|q| q.iter().map(|&c| c as f32).collect()).collect();
        made.tables.insert("permutations".to_string(), table);
        made.finish(ctx, &data)
    }
}
