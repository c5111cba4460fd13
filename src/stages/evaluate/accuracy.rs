//! `accuracy`: test accuracy of a classifier (a supervised model or a fine-tuned one), with the
//! confusion matrix as `confusion.csv`. For low-shot models it averages the repeats' probes and
//! records each repeat's accuracy as a curve point.

use pipeline_metrics::{accuracy, confusion_matrix};

use crate::artifact::{Artifact, MetricValue};
use crate::registry::{ArtifactType, Info, Kind, Method, Slot};
use crate::stage_ctx::{StageCtx, StageError};
use crate::stages::evaluate::clustering::NoParams;
use crate::stages::net::{check_input, labels, predictions, LoadedClassifier};

pub const MODEL_AND_DATA: &[Slot] = &[Slot::one("model", &[ArtifactType::Model]), Slot::one("data", &[ArtifactType::Dataset])];

pub struct Accuracy;

impl Method for Accuracy {
    type Params = NoParams;
    const INFO: Info = Info {
        kind: Kind::Evaluate,
        name: "accuracy",
        doc: "test accuracy of a classifier (mean over low-shot repeats); writes confusion.csv",
        version: 1,
        inputs: MODEL_AND_DATA,
        output: ArtifactType::Metrics,
        seeded: false,
    };

    fn run(&self, ctx: &mut StageCtx, _: NoParams) -> Result<Artifact, StageError> {
        let model = ctx.model("model")?;
        let data = ctx.dataset("data")?;
        check_input(&model, &data)?;
        let truth = labels(&data.test, &data, "accuracy")?;
        let clf = LoadedClassifier::load(&model, &ctx.device)?;
        let logits = clf.logits(&data.test, &data.layout)?;
        let mut metrics = Vec::new();
        let mut accs = Vec::new();
        for (i, l) in logits.iter().enumerate() {
            let pred = predictions(l)?;
            accs.push(accuracy(&pred, truth)?);
            if i == 0 {
                write_confusion(ctx, &pred, truth, clf.meta.classes, &clf.meta.class_names)?;
            }
        }
        metrics.push(MetricValue::new("accuracy", accs.iter().sum::<f64>() / accs.len() as f64));
        if accs.len() > 1 {
            metrics.extend(accs.iter().enumerate().map(|(i, &a)| MetricValue::at("accuracy", i as u64, a)));
        }
        Ok(Artifact::Metrics(metrics))
    }
}

fn write_confusion(ctx: &mut StageCtx, pred: &[u32], truth: &[u32], classes: usize, names: &[String]) -> Result<(), StageError> {
    let n = classes.max(1 + pred.iter().chain(truth).copied().max().unwrap_or(0) as usize);
    let m = confusion_matrix(pred, truth, n)?;
    let name = |c: usize| names.get(c).cloned().unwrap_or_else(|| c.to_string());
    let mut w = csv::Writer::from_path(ctx.publish("confusion.csv"))?;
    let mut header = vec!["true \\ predicted".to_string()];
    header.extend((0..n).map(name));
    w.write_record(&header)?;
    for (c, row) in m.iter().enumerate() {
        let mut rec = vec![name(c)];
        rec.extend(row.iter().map(u64::to_string));
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}
