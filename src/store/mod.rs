//! The content-addressed store: one folder per stage output, `<store>/<key>/`, holding the
//! artifact's files and a `manifest.json`.
//!
//! Trust rule: an entry exists only once its folder has been renamed into place, and the rename is
//! the last step of writing it (files written into `.tmp/`, fsynced, manifest last, then renamed).
//! A run killed at any moment (even `kill -9`) therefore leaves at most a temp folder, which no
//! later run trusts and which is swept once its process is gone. Two processes computing the same
//! key serialise on a per-key file lock; if one still loses the race, its rename fails and it
//! keeps the winner's entry.

mod manifest;
mod pending;

pub use manifest::{InputRef, Manifest, STORE_FORMAT};
pub use pending::Pending;

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub const MANIFEST: &str = "manifest.json";
const TMP: &str = ".tmp";
const LOCKS: &str = ".locks";

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `root` and sweeps temp folders of dead runs.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        for sub in [TMP, LOCKS] {
            std::fs::create_dir_all(root.join(sub))
                .with_context(|| format!("cannot create the store at {}", root.display()))?;
        }
        let store = Store { root: root.to_path_buf() };
        store.sweep_dead_temps();
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn entry_dir(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Whether a finished entry exists for `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.entry_dir(key).join(MANIFEST).is_file()
    }

    pub fn manifest(&self, key: &str) -> anyhow::Result<Manifest> {
        Manifest::read(&self.entry_dir(key).join(MANIFEST))
    }

    /// Every finished entry's key.
    pub fn keys(&self) -> anyhow::Result<Vec<String>> {
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(&self.root)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                keys.push(name);
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Removes a finished entry.
    pub fn remove(&self, key: &str) -> anyhow::Result<()> {
        std::fs::remove_dir_all(self.entry_dir(key)).with_context(|| format!("cannot remove store entry {key}"))
    }

    /// Takes the per-key lock (blocking) so that two processes do not compute the same stage.
    pub fn lock(&self, key: &str) -> anyhow::Result<File> {
        let path = self.root.join(LOCKS).join(format!("{key}.lock"));
        let file = File::create(&path).with_context(|| format!("cannot create lock {}", path.display()))?;
        file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    }

    /// Starts writing the entry for `key` in a private temp folder.
    pub fn begin(&self, key: &str) -> anyhow::Result<Pending> {
        Pending::create(&self.root.join(TMP), self.entry_dir(key))
    }

    /// Removes temp folders whose writing process no longer exists.
    fn sweep_dead_temps(&self) {
        let Ok(entries) = std::fs::read_dir(self.root.join(TMP)) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if pending::owner_pid(&name).is_some_and(|pid| !process_alive(pid)) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    // Without /proc (not Linux) we cannot tell, so we keep the folder: safe, merely untidy.
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}
