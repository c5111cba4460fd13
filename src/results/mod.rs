//! Result tables: the long `metrics.csv` (one row per stage × metric × point), the wide
//! `table.csv` (a row per stage group, a column per measurement, mean and std over seeds), and
//! `pipeline compare`.

mod compare;
mod long;
mod run_dir;
mod table;

pub use compare::{compare, Format};
pub use long::{write_metrics_csv, MetricRow};
pub use run_dir::{new_run_id, publish_latest};
pub use table::{Cell, Table, TableRow};
