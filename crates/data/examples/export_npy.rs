//! Writes a built-in source's splits as NumPy `.npy` files for checking them with outside tools:
//! `cargo run --release -p pipeline-data --example export_npy -- SOURCE OUT_DIR [key=value ...]`
//! writes `train_images.npy` (uint8, N×C×H×W or N×T×C×H×W), `train_labels.npy` (int64) and the
//! same for `test`. See `scripts/separability.py` for the k-means / classifier check.

use std::io::Write;
use std::path::Path;

use pipeline_params::ParamMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(source), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: export_npy SOURCE OUT_DIR [key=value ...]".into());
    };
    let mut with = ParamMap::new();
    for kv in &args[2..] {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("expected key=value, got {kv:?}"))?;
        let value = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
        with.insert(k.to_string(), value);
    }
    let seed = with.remove("seed").and_then(|v| v.as_u64()).unwrap_or(0);
    let d = pipeline_data::ingest(source, &with, seed, None)?;
    let out = Path::new(out);
    std::fs::create_dir_all(out)?;
    for (name, s) in [("train", &d.train), ("test", &d.test)] {
        let mut shape = vec![s.len];
        shape.extend(d.layout.item_dims());
        write_npy(&out.join(format!("{name}_images.npy")), "|u1", &shape, &s.images)?;
        if let Some(labels) = &s.labels {
            let bytes: Vec<u8> = labels.iter().flat_map(|&l| (l as i64).to_le_bytes()).collect();
            write_npy(&out.join(format!("{name}_labels.npy")), "<i8", &[labels.len()], &bytes)?;
        }
    }
    println!("{}: train {} test {} layout {:?} -> {}", d.source, d.train.len, d.test.len, d.layout, out.display());
    Ok(())
}

/// NPY format version 1.0: magic, header length, a Python dict literal padded to 64 bytes.
fn write_npy(path: &Path, dtype: &str, shape: &[usize], data: &[u8]) -> std::io::Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '{dtype}', 'fortran_order': False, 'shape': {tuple}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    f.write_all(data)?;
    f.flush()
}
