//! `pipeline compare A B`: two tables side by side with the difference per cell.

use std::path::Path;

use super::table::{align, show_cell, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Csv,
    Md,
}

/// Reads a table from a `table.csv` or a run folder holding one.
fn read(path: &Path) -> anyhow::Result<Table> {
    let file = if path.is_dir() { path.join("table.csv") } else { path.to_path_buf() };
    if !file.is_file() {
        anyhow::bail!("{}: no table.csv there (give a table.csv or a results run folder)", path.display());
    }
    Table::read_csv(&file)
}

pub fn compare(a: &Path, b: &Path, format: Format) -> anyhow::Result<String> {
    let (ta, tb) = (read(a)?, read(b)?);
    let mut columns = ta.columns.clone();
    for c in &tb.columns {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    let mut keys: Vec<(String, Vec<String>)> = ta.rows.iter().map(|r| (r.label.clone(), r.params.clone())).collect();
    for r in &tb.rows {
        if !keys.contains(&(r.label.clone(), r.params.clone())) {
            keys.push((r.label.clone(), r.params.clone()));
        }
    }
    let cell = |t: &Table, key: &(String, Vec<String>), col: &str| {
        let ci = t.columns.iter().position(|c| c == col)?;
        let row = t.rows.iter().find(|r| r.label == key.0 && r.params == key.1)?;
        row.cells.get(ci).cloned().flatten()
    };
    let params = if ta.params.len() >= tb.params.len() { ta.params.clone() } else { tb.params.clone() };
    let mut grid = Vec::new();
    let mut header = vec!["row".to_string()];
    header.extend(params.iter().cloned());
    for c in &columns {
        header.extend([format!("{c} (A)"), format!("{c} (B)"), format!("{c} Δ")]);
    }
    grid.push(header);
    for key in &keys {
        let mut line = vec![key.0.clone()];
        line.extend(key.1.iter().cloned());
        line.resize(1 + params.len(), String::new());
        for c in &columns {
            let (x, y) = (cell(&ta, key, c), cell(&tb, key, c));
            let show = |v: &Option<super::Cell>| match format {
                Format::Text => v.as_ref().map(show_cell).unwrap_or_else(|| "-".into()),
                _ => v.as_ref().map(|c| c.mean.to_string()).unwrap_or_default(),
            };
            let delta = match (&x, &y) {
                (Some(x), Some(y)) => format!("{:+.4}", y.mean - x.mean),
                _ => if format == Format::Text { "-".into() } else { String::new() },
            };
            line.extend([show(&x), show(&y), delta]);
        }
        grid.push(line);
    }
    Ok(match format {
        Format::Text => format!("A: {}\nB: {}\n{}", a.display(), b.display(), align(&grid)),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for line in &grid {
                w.write_record(line)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Md => {
            let mut out = String::new();
            for (i, line) in grid.iter().enumerate() {
                out.push_str(&format!("| {} |\n", line.join(" | ")));
                if i == 0 {
                    out.push_str(&format!("|{}\n", vec!["---|"; line.len()].concat()));
                }
            }
            out
        }
    })
}
