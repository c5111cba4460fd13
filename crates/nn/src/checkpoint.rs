//! Saving a model's variables to safetensors and loading them back into a freshly built model
//! of the same structure.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use candle_core::Tensor;
use candle_nn::VarMap;

use crate::NnError;

/// Writes every variable of `varmap` to `path` (safetensors), with optional string metadata
/// (e.g. the architecture spec). Written to a temporary name first and renamed, so a crash never
/// leaves a truncated checkpoint under the final name.
pub fn save(varmap: &VarMap, path: &Path, metadata: Option<HashMap<String, String>>) -> Result<(), NnError> {
    let ck = |reason: String| NnError::Checkpoint { path: path.to_path_buf(), reason };
    let tensors: Vec<(String, Tensor)> =
        crate::init::sorted_vars(varmap).into_iter().map(|(n, v)| (n, v.as_tensor().clone())).collect();
    let tmp = path.with_extension("safetensors.tmp");
    safetensors::serialize_to_file(tensors.iter().map(|(n, t)| (n.as_str(), t)), metadata, &tmp)
        .map_err(|e| ck(format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| NnError::Io { path: path.to_path_buf(), source: e })
}

/// Loads `path` into `varmap`; the names and shapes must match exactly in both directions.
pub fn load(varmap: &VarMap, path: &Path) -> Result<(), NnError> {
    load_matching(varmap, path, "", true)
}

/// Loads the variables of `varmap` under `prefix` (e.g. `encoder`) from `path`, which may hold
/// more (a decoder, a head); every one of them must be in the file with the same shape.
pub fn load_prefix(varmap: &VarMap, path: &Path, prefix: &str) -> Result<(), NnError> {
    load_matching(varmap, path, prefix, false)
}

/// The string metadata stored by [`save`].
pub fn metadata(path: &Path) -> Result<HashMap<String, String>, NnError> {
    let bytes = std::fs::read(path).map_err(|e| NnError::Io { path: path.to_path_buf(), source: e })?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| NnError::Checkpoint { path: path.to_path_buf(), reason: format!("not a safetensors file: {e}") })?;
    Ok(meta.metadata().clone().unwrap_or_default())
}

fn load_matching(varmap: &VarMap, path: &Path, prefix: &str, exact: bool) -> Result<(), NnError> {
    let ck = |reason: String| NnError::Checkpoint { path: path.to_path_buf(), reason };
    let vars = crate::init::sorted_vars(varmap);
    let device = vars.first().map(|(_, v)| v.device().clone()).unwrap_or(candle_core::Device::Cpu);
    let stored = candle_core::safetensors::load(path, &device).map_err(|e| ck(format!("cannot read: {e}")))?;
    let wanted: BTreeSet<&str> =
        vars.iter().map(|(n, _)| n.as_str()).filter(|n| n.starts_with(prefix)).collect();
    let have: BTreeSet<&str> = stored.keys().map(String::as_str).collect();
    let missing: Vec<&str> = wanted.difference(&have).copied().collect();
    let unexpected: Vec<&str> = if exact { have.difference(&wanted).copied().collect() } else { Vec::new() };
    if !missing.is_empty() || !unexpected.is_empty() {
        let mut reason = String::from("does not match the model");
        if !missing.is_empty() {
            reason += &format!("; missing: {}", list(&missing));
        }
        if !unexpected.is_empty() {
            reason += &format!("; not in the model: {}", list(&unexpected));
        }
        return Err(ck(reason));
    }
    if wanted.is_empty() {
        return Err(ck(format!("the model has no variables under `{prefix}`")));
    }
    for (name, var) in vars.iter().filter(|(n, _)| wanted.contains(n.as_str())) {
        let t = &stored[name];
        if t.dims() != var.dims() {
            return Err(ck(format!("{name} has shape {:?} in the file but {:?} in the model", t.dims(), var.dims())));
        }
        t.to_dtype(var.dtype()).and_then(|t| var.set(&t)).map_err(|e| ck(format!("setting {name}: {e}")))?;
    }
    Ok(())
}

fn list(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut s = names.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        s += &format!(" and {} more", names.len() - SHOWN);
    }
    s
}
