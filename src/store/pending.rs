//! An entry being written: a private temp folder that becomes the entry by one rename.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use super::{Manifest, MANIFEST};

static NONCE: AtomicU64 = AtomicU64::new(0);

/// A temp folder named `<key>.<pid>.<nonce>`; dropped without [`Pending::commit`], it is removed.
#[derive(Debug)]
pub struct Pending {
    dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// The pid of the process that owns a temp folder, from its name.
pub(super) fn owner_pid(name: &str) -> Option<u32> {
    name.split('.').nth(1)?.parse().ok()
}

impl Pending {
    pub(super) fn create(tmp_root: &Path, target: PathBuf) -> anyhow::Result<Pending> {
        let key = target.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let nonce = NONCE.fetch_add(1, Ordering::Relaxed);
        let dir = tmp_root.join(format!("{key}.{}.{nonce}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Pending { dir, target, committed: false })
    }

    /// Where the stage writes its files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the manifest, makes every file durable, and renames the folder into place.
    /// Returns `false` when another process committed the same key first (its entry is kept).
    /// With `replace` (a forced re-run) an existing entry is swapped out instead.
    pub fn commit(mut self, manifest: &Manifest, replace: bool) -> anyhow::Result<bool> {
        let manifest_path = self.dir.join(MANIFEST);
        std::fs::write(&manifest_path, serde_json::to_vec_pretty(manifest)?)
            .with_context(|| format!("cannot write {}", manifest_path.display()))?;
        sync_tree(&self.dir)?;
        if replace && self.target.exists() {
            // Move the old entry aside first: at every instant the key is either the old
            // complete entry, absent, or the new complete entry.
            let aside = self.dir.with_extension("replaced");
            std::fs::rename(&self.target, &aside)
                .with_context(|| format!("cannot replace {}", self.target.display()))?;
            let _ = std::fs::remove_dir_all(&aside);
        }
        let won = match std::fs::rename(&self.dir, &self.target) {
            Ok(()) => true,
            Err(_) if self.target.join(MANIFEST).is_file() => false,
            Err(e) => return Err(e).with_context(|| format!("cannot move entry into {}", self.target.display())),
        };
        if let Some(parent) = self.target.parent() {
            // Make the rename itself durable.
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
        self.committed = won;
        Ok(won)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()?;
    Ok(())
}
