//! Raw little-endian arrays for bench/reference.py (numpy's `fromfile`).

use std::path::Path;

pub trait Le {
    fn le(&self) -> Vec<u8>;
}

impl Le for f32 {
    fn le(&self) -> Vec<u8> {
        self.to_le_bytes().to_vec()
    }
}

impl Le for f64 {
    fn le(&self) -> Vec<u8> {
        self.to_le_bytes().to_vec()
    }
}

pub fn write<T: Le>(path: &Path, v: &[T]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, v.iter().flat_map(Le::le).collect::<Vec<u8>>()).map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}
