//! Choosing where tensors live from a user's device string: `cpu`, `cuda`, `cuda:N` or `auto`.
//!
//! CUDA support is a compile-time feature (`cuda`); a CPU build needs no CUDA software and says
//! so plainly when a recipe asks for a GPU.

use candle_core::{Device, DeviceLocation};

use crate::NnError;

/// The device strings [`select_device`] accepts, for error messages and docs.
pub const DEVICE_SPECS: &str = "cpu, cuda, cuda:N, auto";

/// Parses a device string. `auto` picks CUDA device 0 when this binary was built with the `cuda`
/// feature and a GPU answers, and the CPU otherwise.
pub fn select_device(spec: &str) -> Result<Device, NnError> {
    let err = |reason: String| NnError::Device { spec: spec.to_string(), reason };
    match spec.trim() {
        "cpu" => Ok(Device::Cpu),
        "auto" => Ok(if cfg!(feature = "cuda") { Device::new_cuda(0).unwrap_or(Device::Cpu) } else { Device::Cpu }),
        "cuda" | "gpu" => cuda(0).map_err(err),
        other => match other.strip_prefix("cuda:") {
            Some(n) => {
                let ordinal = n
                    .parse::<usize>()
                    .map_err(|_| err(format!("`{n}` is not a device number; expected one of {DEVICE_SPECS}")))?;
                cuda(ordinal).map_err(err)
            }
            None => Err(err(format!("unknown device; expected one of {DEVICE_SPECS}"))),
        },
    }
}

fn cuda(ordinal: usize) -> Result<Device, String> {
    if !cfg!(feature = "cuda") {
        return Err("this binary was built without CUDA support; rebuild with `--features cuda` or use `cpu`".into());
    }
    Device::new_cuda(ordinal).map_err(|e| format!("cannot open CUDA device {ordinal}: {e}"))
}

/// A short name for a device (`cpu`, `cuda:0`), as manifests and logs print it.
pub fn device_name(device: &Device) -> String {
    match device.location() {
        DeviceLocation::Cpu => "cpu".into(),
        DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

/// Waits until queued device work has finished, so wall-clock timings measure the work itself.
pub fn synchronize(device: &Device) -> Result<(), NnError> {
    device.synchronize().map_err(NnError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_auto_work_without_a_gpu() {
        assert!(select_device("cpu").unwrap().is_cpu());
        assert!(select_device(" cpu ").unwrap().is_cpu());
        let auto = select_device("auto").unwrap();
        if !cfg!(feature = "cuda") {
            assert!(auto.is_cpu());
        }
        assert_eq!(device_name(&Device::Cpu), "cpu");
    }

    #[test]
    fn bad_specs_are_named() {
        let e = select_device("tpu").unwrap_err().to_string();
        assert!(e.contains("`tpu`") && e.contains("cuda:N"), "{e}");
        let e = select_device("cuda:x").unwrap_err().to_string();
        assert!(e.contains("`x` is not a device number"), "{e}");
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_so() {
        for spec in ["cuda", "cuda:0", "cuda:3"] {
            let e = select_device(spec).unwrap_err().to_string();
            assert!(e.contains("built without CUDA"), "{e}");
        }
    }
}
