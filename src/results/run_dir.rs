//! Run folders: `results/<recipe>/<run-id>/` and the `latest/` copy beside them.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh run id from the UTC time (`20261130-213015`), suffixed if that folder exists.
pub fn new_run_id(recipe_dir: &Path) -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let base = utc_stamp(secs);
    let mut id = base.clone();
    let mut n = 2;
    while recipe_dir.join(&id).exists() {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Replaces `<recipe>/latest` with a copy of the run folder.
pub fn publish_latest(run_dir: &Path) -> anyhow::Result<PathBuf> {
    let parent = run_dir.parent().ok_or_else(|| anyhow::anyhow!("run folder has no parent"))?;
    let latest = parent.join("latest");
    let staging = parent.join(format!(".latest.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    copy_tree(run_dir, &staging)?;
    let _ = std::fs::remove_dir_all(&latest);
    std::fs::rename(&staging, &latest)?;
    Ok(latest)
}

pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry?;
        let rel = entry.path().strip_prefix(from)?;
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_are_utc_calendar_times() {
        assert_eq!(super::utc_stamp(0), "19700101-000000");
        assert_eq!(super::utc_stamp(1_796_083_200 + 3661), "20261201-010101");
    }
}
