//! `metrics.csv`: tidy long form, one row per stage × metric × sweep point (× step for curves).

use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub run: String,
    pub point: usize,
    pub seed: u64,
    /// Value of each swept parameter other than `seed`, in sweep order.
    pub swept: Vec<(String, String)>,
    pub stage: String,
    pub method: String,
    pub metric: String,
    pub step: Option<u64>,
    pub value: f64,
}

pub fn write_metrics_csv(path: &Path, rows: &[MetricRow], swept: &[String]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    let params: Vec<&String> = swept.iter().filter(|s| *s != "seed").collect();
    let mut header = vec!["run", "point", "seed"];
    header.extend(params.iter().map(|s| s.as_str()));
    header.extend(["stage", "method", "metric", "step", "value"]);
    w.write_record(&header)?;
    for r in rows {
        let mut rec = vec![r.run.clone(), r.point.to_string(), r.seed.to_string()];
        for p in &params {
            rec.push(r.swept.iter().find(|(k, _)| k == *p).map(|(_, v)| v.clone()).unwrap_or_default());
        }
        rec.extend([
            r.stage.clone(),
            r.method.clone(),
            r.metric.clone(),
            r.step.map(|s| s.to_string()).unwrap_or_default(),
            format_value(r.value),
        ]);
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// Full precision without float noise in the common cases.
pub fn format_value(v: f64) -> String {
    if v.is_finite() {
        format!("{}", (v * 1e9).round() / 1e9)
    } else {
        v.to_string()
    }
}
