//! `knn`: k-nearest-neighbour classification of the test split on an encoder's features, with
//! cosine similarity and similarity-weighted votes (exp(sim/τ), as in Wu et al. 2018's
//! instance-discrimination evaluation). Needs no training, so it judges features directly.

use pipeline_cluster::l2_normalise_rows;
use pipeline_metrics::accuracy;

use crate::artifact::{Artifact, MetricValue};
use crate::registry::{ArtifactType, Info, Kind, Method};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::evaluate::accuracy::MODEL_AND_DATA;
use crate::stages::net::{check_input, labels, LoadedEncoder};

pipeline_params::params! {
    /// kNN options.
    pub struct KnnParams {
        /// Neighbours that vote.
        k: usize = 20, range(1, 100000);
        /// Encoder layer whose features are compared; unset uses the last layer.
        layer: Option<String> = None;
        /// Temperature of the vote weights exp(similarity / τ).
        temperature: f64 = 0.07, range(0.001, 100.0);
    }
}

pub struct Knn;

impl Method for Knn {
    type Params = KnnParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "knn",
        doc: "k-nearest-neighbour accuracy on an encoder's features (cosine similarity, weighted votes)",
        version: 1,
        inputs: MODEL_AND_DATA,
        output: ArtifactType::Metrics,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, p: KnnParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let train_y = labels(&data.train, &data, "kNN")?;
        let test_y = labels(&data.test, &data, "kNN")?;
        let enc = LoadedEncoder::load(&model, &ctx.device)?;
        let layer = p.layer.clone().unwrap_or_else(|| enc.last_layer());
        let bank = l2_normalise_rows(&enc.features(&data.train, &data.layout, &layer)?)?;
        let queries = l2_normalise_rows(&enc.features(&data.test, &data.layout, &layer)?)?;
        let k = p.k.min(data.train.len);
        let classes = data.classes.len().max(1 + *train_y.iter().max().unwrap_or(&0) as usize);
        let mut pred = Vec::with_capacity(data.test.len);
        let chunk = 256;
        for start in (0..data.test.len).step_by(chunk) {
            let len = chunk.min(data.test.len - start);
            let sims = queries.narrow(0, start, len)?.matmul(&bank.t()?)?.to_vec2::<f32>()?;
            for row in sims {
                pred.push(vote(&row, train_y, k, classes, p.temperature as f32));
            }
            ctx.progress().update((start + len) as u64, data.test.len as u64, "neighbours");
        }
        Ok(Artifact::Metrics(vec![MetricValue::new("knn", accuracy(&pred, test_y)?)]))
    }
}

/// The class with the largest summed weight among the `k` most similar items.
fn vote(sims: &[f32], labels: &[u32], k: usize, classes: usize, tau: f32) -> u32 {
    let mut idx: Vec<usize> = (0..sims.len()).collect();
    idx.select_nth_unstable_by(k - 1, |&a, &b| sims[b].total_cmp(&sims[a]));
    let mut score = vec![0f32; classes];
    for &i in &idx[..k] {
        score[labels[i] as usize] += (sims[i] / tau).exp();
    }
    score.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(c, _)| c as u32).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn votes_are_weighted_by_similarity() {
        // Two weak neighbours of class 0 against one strong neighbour of class 1.
        let sims = [0.1, 0.1, 0.9, -0.5];
        let labels = [0, 0, 1, 0];
        assert_eq!(super::vote(&sims, &labels, 3, 2, 0.07), 1);
        assert_eq!(super::vote(&sims, &labels, 3, 2, 100.0), 0);
    }
}
