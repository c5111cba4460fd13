//! `table.csv`: the wide form a paper prints. Rows are stage groups: a fragment instance (`ae` for
//! stages `ae.*`, however deep) or a plain stage, one per combination of swept parameters other
//! than the seed.
//! Columns are measurements: within a fragment the evaluation's own stage name (`linear-fc`), or
//! `stage.metric` when it reports several metrics; for a plain stage the metric's name.
//! Each cell is the mean over seeds, with the standard deviation when there are several.

use std::path::Path;

use super::long::{format_value, MetricRow};

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub mean: f64,
    pub std: Option<f64>,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub label: String,
    pub params: Vec<String>,
    pub cells: Vec<Option<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub params: Vec<String>,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// Where a stage's metric goes: (row label, column label). A stage inside fragments is placed
/// by its outermost instance (the row: `ae` for `ae.judge.linear-fc`) and its own name (the column).
fn place(stage: &str, metric: &str, several: bool) -> (String, String) {
    match (stage.split_once('.'), stage.rsplit_once('.')) {
        (Some((row, _)), Some((_, local))) if several => (row.to_string(), format!("{local}.{metric}")),
        (Some((row, _)), Some((_, local))) => (row.to_string(), local.to_string()),
        _ => (stage.to_string(), metric.to_string()),
    }
}

impl Table {
    /// Builds the table from long rows; curve points (rows with a step) stay in `metrics.csv` only.
    pub fn build(rows: &[MetricRow], swept: &[String]) -> Table {
        let params: Vec<String> = swept.iter().filter(|s| *s != "seed").cloned().collect();
        let mut table = Table { params: params.clone(), ..Table::default() };
        let mut values: Vec<Vec<Vec<f64>>> = Vec::new();
        for r in rows.iter().filter(|r| r.step.is_none()) {
            let several = rows
                .iter()
                .filter(|o| o.stage == r.stage && o.step.is_none())
                .any(|o| o.metric != r.metric);
            let (label, column) = place(&r.stage, &r.metric, several);
            let pvals: Vec<String> = params
                .iter()
                .map(|p| r.swept.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone()).unwrap_or_default())
                .collect();
            let ri = match table.rows.iter().position(|x| x.label == label && x.params == pvals) {
                Some(i) => i,
                None => {
                    table.rows.push(TableRow { label, params: pvals, cells: Vec::new() });
                    values.push(Vec::new());
                    table.rows.len() - 1
                }
            };
            let ci = match table.columns.iter().position(|c| *c == column) {
                Some(i) => i,
                None => {
                    table.columns.push(column);
                    table.columns.len() - 1
                }
            };
            if values[ri].len() <= ci {
                values[ri].resize(ci + 1, Vec::new());
            }
            values[ri][ci].push(r.value);
        }
        for (row, vals) in table.rows.iter_mut().zip(values) {
            row.cells = (0..table.columns.len()).map(|c| vals.get(c).filter(|v| !v.is_empty()).map(|v| cell(v))).collect();
        }
        table
    }

    pub fn write_csv(&self, path: &Path) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_path(path)?;
        let mut header = vec!["row".to_string()];
        header.extend(self.params.iter().cloned());
        for c in &self.columns {
            // Always paired with its std column (empty for one seed): the pairs are how
            // `read_csv` tells measurements from parameter columns.
            header.push(c.clone());
            header.push(format!("{c}_std"));
        }
        w.write_record(&header)?;
        for r in &self.rows {
            let mut rec = vec![r.label.clone()];
            rec.extend(r.params.iter().cloned());
            for c in &r.cells {
                rec.push(c.as_ref().map(|c| format_value(c.mean)).unwrap_or_default());
                rec.push(c.as_ref().and_then(|c| c.std).map(format_value).unwrap_or_default());
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Reads a `table.csv` written by [`Table::write_csv`]: measurements are the columns paired
    /// with a `_std` column; the columns between `row` and the first of them are parameters.
    pub fn read_csv(path: &Path) -> anyhow::Result<Table> {
        let mut r = csv::Reader::from_path(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let header: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
        if header.first().map(String::as_str) != Some("row") {
            anyhow::bail!("{}: not a table.csv (its first column is not `row`)", path.display());
        }
        let records: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>()?;
        let is_std = |h: &str| h.ends_with("_std") && header.iter().any(|o| Some(o.as_str()) == h.strip_suffix("_std"));
        let first_measure =
            (1..header.len()).find(|&i| header.iter().any(|h| *h == format!("{}_std", header[i]))).unwrap_or(header.len());
        let params: Vec<String> = header[1..first_measure].to_vec();
        let columns: Vec<(usize, String, Option<usize>)> = (first_measure..header.len())
            .filter(|&i| !is_std(&header[i]))
            .map(|i| (i, header[i].clone(), header.iter().position(|h| *h == format!("{}_std", header[i]))))
            .collect();
        let rows = records
            .iter()
            .map(|rec| TableRow {
                label: rec.get(0).unwrap_or_default().to_string(),
                params: (1..first_measure).map(|i| rec.get(i).unwrap_or_default().to_string()).collect(),
                cells: columns
                    .iter()
                    .map(|(i, _, s)| {
                        let mean = rec.get(*i)?.parse::<f64>().ok()?;
                        let std = s.and_then(|s| rec.get(s)?.parse::<f64>().ok());
                        Some(Cell { mean, std, n: 1 })
                    })
                    .collect(),
            })
            .collect();
        Ok(Table { params, columns: columns.into_iter().map(|c| c.1).collect(), rows })
    }

    /// Aligned text for the terminal.
    pub fn render_text(&self) -> String {
        let mut grid: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["row".to_string()];
        header.extend(self.params.iter().cloned());
        header.extend(self.columns.iter().cloned());
        grid.push(header);
        for r in &self.rows {
            let mut line = vec![r.label.clone()];
            line.extend(r.params.iter().cloned());
            line.extend(r.cells.iter().map(|c| c.as_ref().map(show_cell).unwrap_or_else(|| "-".into())));
            grid.push(line);
        }
        align(&grid)
    }
}

pub(super) fn show_cell(c: &Cell) -> String {
    match c.std {
        Some(s) => format!("{:.4} ± {:.4}", c.mean, s),
        None => format!("{:.4}", c.mean),
    }
}

/// Pads every column to its widest cell; the first columns (labels) left-aligned.
pub(super) fn align(grid: &[Vec<String>]) -> String {
    let cols = grid.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| grid.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in grid {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| if c == 0 { format!("{s:<w$}", w = widths[c]) } else { format!("{s:>w$}", w = widths[c]) })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn cell(v: &[f64]) -> Cell {
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let std = (n > 1).then(|| (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
    Cell { mean, std, n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stage: &str, metric: &str, seed: u64, k: &str, value: f64) -> MetricRow {
        MetricRow {
            run: "r".into(),
            point: 0,
            seed,
            swept: vec![("k".into(), k.into())],
            stage: stage.into(),
            method: "m".into(),
            metric: metric.into(),
            step: None,
            value,
        }
    }

    #[test]
    fn groups_rows_by_fragment_and_averages_seeds() {
        let rows = vec![
            row("ae.linear-fc", "accuracy", 0, "10", 0.8),
            row("ae.linear-fc", "accuracy", 1, "10", 0.9),
            row("ae.knn", "knn", 0, "10", 0.7),
            row("ae.knn", "knn", 1, "10", 0.7),
            row("pixels", "nmi", 0, "10", 0.5),
        ];
        let t = Table::build(&rows, &["seed".into(), "k".into()]);
        assert_eq!(t.params, vec!["k"]);
        assert_eq!(t.columns, vec!["linear-fc", "knn", "nmi"]);
        assert_eq!(t.rows.len(), 2);
        let c = t.rows[0].cells[0].as_ref().unwrap();
        assert!((c.mean - 0.85).abs() < 1e-12);
        assert!((c.std.unwrap() - 0.0707106781).abs() < 1e-9);
        assert_eq!(t.rows[1].label, "pixels");
        assert!(t.rows[1].cells[0].is_none());
    }

    #[test]
    fn csv_round_trips() {
        let rows = vec![row("ae.knn", "knn", 0, "10", 0.75), row("ae.knn", "knn", 1, "10", 0.25)];
        let t = Table::build(&rows, &["seed".into(), "k".into()]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("table.csv");
        t.write_csv(&p).unwrap();
        let back = Table::read_csv(&p).unwrap();
        assert_eq!(back.params, vec!["k"]);
        assert_eq!(back.columns, vec!["knn"]);
        assert_eq!(back.rows[0].cells[0].as_ref().unwrap().mean, 0.5);
    }
}
