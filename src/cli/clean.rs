//! `pipeline clean`: drop store entries that no recipe under a folder would use.

use std::collections::HashSet;
use std::path::Path;

use super::Failure;
use crate::store::Store;

pub fn clean(recipes: &Path, store_dir: &Path, all: bool, dry_run: bool) -> Result<(), Failure> {
    if !store_dir.exists() {
        println!("{}: no store here; nothing to clean", store_dir.display());
        return Ok(());
    }
    let store = Store::open(store_dir)?;
    let mut keep: HashSet<String> = HashSet::new();
    if !all {
        if !recipes.is_dir() {
            return Err(Failure::Usage(format!("error: {}: no such folder of recipes (use --recipes DIR, or --all)", recipes.display())));
        }
        for entry in walkdir::WalkDir::new(recipes).into_iter().filter_map(Result::ok) {
            let p = entry.path();
            if !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                continue;
            }
            // A recipe that does not plan keeps nothing alive, but we say so: it may be a typo.
            match crate::recipe::load(p, &[]).map_err(|d| d.to_string()).and_then(|r| crate::graph::plan(&r).map_err(|d| d.to_string())) {
                Ok(plan) => keep.extend(plan.nodes.into_iter().map(|n| n.key)),
                Err(e) => eprintln!("warning: {} does not plan, so keeps nothing: {}", p.display(), e.lines().next().unwrap_or("")),
            }
        }
    }
    let mut removed = 0;
    for key in store.keys()? {
        if !keep.contains(&key) {
            if !dry_run {
                store.remove(&key)?;
            }
            removed += 1;
        }
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    println!("{verb} {removed} store entr{} ({} kept)", if removed == 1 { "y" } else { "ies" }, keep.len());
    Ok(())
}
