//! The per-epoch training record: mean loss, wall time, throughput and any extra scalars a
//! method logs (e.g. DeepCluster's `nmi_prev`), written as one CSV table.

use std::path::Path;

use crate::NnError;

/// One finished epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps (NaN when the epoch took no step).
    pub loss: f64,
    pub seconds: f64,
    pub images_per_s: f64,
    /// Named extra scalars, each the mean of the values logged during the epoch.
    pub extras: Vec<(String, f64)>,
}

/// All epochs of one training run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossCurve {
    pub records: Vec<EpochRecord>,
}

impl LossCurve {
    pub fn push(&mut self, record: EpochRecord) {
        self.records.push(record);
    }

    pub fn last(&self) -> Option<&EpochRecord> {
        self.records.last()
    }

    /// The extra column names, in the order they first appeared.
    pub fn extra_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = Vec::new();
        for (name, _) in self.records.iter().flat_map(|r| &r.extras) {
            if !cols.contains(name) {
                cols.push(name.clone());
            }
        }
        cols
    }

    /// Writes `epoch,loss,seconds,images_per_s[,extra…]`, one row per epoch; an extra an epoch
    /// did not log is an empty cell.
    pub fn write_csv(&self, path: &Path) -> Result<(), NnError> {
        let io = |e: csv::Error| NnError::Io { path: path.to_path_buf(), source: std::io::Error::other(e) };
        let mut w = csv::Writer::from_path(path).map_err(io)?;
        let extras = self.extra_columns();
        let mut header = vec!["epoch".to_string(), "loss".into(), "seconds".into(), "images_per_s".into()];
        header.extend(extras.iter().cloned());
        w.write_record(&header).map_err(io)?;
        for r in &self.records {
            let mut row = vec![r.epoch.to_string(), r.loss.to_string(), format!("{:.3}", r.seconds), format!("{:.1}", r.images_per_s)];
            for col in &extras {
                row.push(r.extras.iter().find(|(n, _)| n == col).map(|(_, v)| v.to_string()).unwrap_or_default());
            }
            w.write_record(&row).map_err(io)?;
        }
        w.flush().map_err(|e| NnError::Io { path: path.to_path_buf(), source: e })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, extras: &[(&str, f64)]) -> EpochRecord {
        EpochRecord {
            epoch,
            loss: 0.5 / epoch as f64,
            seconds: 1.25,
            images_per_s: 800.0,
            extras: extras.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        }
    }

    #[test]
    fn csv_has_extra_columns_with_gaps() {
        let mut c = LossCurve::default();
        c.push(record(1, &[("kl", 2.0)]));
        c.push(record(2, &[("nmi_prev", 0.25), ("kl", 1.5)]));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.csv");
        c.write_csv(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "epoch,loss,seconds,images_per_s,kl,nmi_prev\n1,0.5,1.250,800.0,2,\n2,0.25,1.250,800.0,1.5,0.25\n"
        );
        let e = c.write_csv(&dir.path().join("missing/loss.csv")).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }
}
