//! The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic `00 00 <type> <ndims>`,
//! `ndims` big-endian u32 sizes, then the values. Only unsigned bytes (type 0x08) occur in those sets.

use std::io::{Read, Write};
use std::path::Path;

use crate::files::{open_maybe_gz, read_error};
use crate::DataError;

const UBYTE: u8 = 0x08;

/// An n-dimensional array of bytes read from an IDX file.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Reads an IDX file of unsigned bytes that must have `ndims` dimensions (1 for labels, 3 for
/// images), raw or gzip-compressed. Every defect is an error naming the file and the defect.
pub fn read_idx(path: &Path, ndims: usize) -> Result<IdxArray, DataError> {
    let mut r = open_maybe_gz(path)?;
    let mut magic = [0u8; 4];
    read_header_bytes(&mut r, &mut magic, path)?;
    let expected = u32::from_be_bytes([0, 0, UBYTE, ndims as u8]);
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::corrupt(
            path,
            format!("not an IDX file: wrong magic number 0x{:08x} (expected 0x{expected:08x})", u32::from_be_bytes(magic)),
        ));
    }
    if magic[2] != UBYTE {
        return Err(DataError::corrupt(
            path,
            format!("IDX data type 0x{:02x} is not supported; expected unsigned bytes (magic 0x{expected:08x})", magic[2]),
        ));
    }
    if magic[3] as usize != ndims {
        return Err(DataError::corrupt(
            path,
            format!("wrong magic number 0x{:08x}: {} dimensions where {ndims} are expected (magic 0x{expected:08x})", u32::from_be_bytes(magic), magic[3]),
        ));
    }
    let mut dims = Vec::with_capacity(ndims);
    for _ in 0..ndims {
        let mut b = [0u8; 4];
        read_header_bytes(&mut r, &mut b, path)?;
        dims.push(u32::from_be_bytes(b) as usize);
    }
    let shape = dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" × ");
    let len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| DataError::corrupt(path, format!("IDX header declares an impossible size {shape}")))?;
    // Reserve at most 256 MiB up front so a corrupt header cannot make us allocate wildly.
    let mut data = Vec::with_capacity(len.min(1 << 28));
    (&mut r).take(len as u64).read_to_end(&mut data).map_err(|e| read_error(path, e))?;
    if data.len() < len {
        return Err(DataError::corrupt(
            path,
            format!("truncated: the header declares {shape} = {len} bytes of data, the file holds only {}", data.len()),
        ));
    }
    let mut extra = [0u8; 1];
    if r.read(&mut extra).map_err(|e| read_error(path, e))? > 0 {
        return Err(DataError::corrupt(path, format!("has extra bytes after the {len} bytes of data its header declares ({shape})")));
    }
    Ok(IdxArray { dims, data })
}

fn read_header_bytes(r: &mut impl Read, buf: &mut [u8], path: &Path) -> Result<(), DataError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => DataError::corrupt(path, "truncated: the file ends inside the IDX header"),
        _ => read_error(path, e),
    })
}

/// Writes the IDX header of an unsigned-byte array with the given dimensions.
pub fn write_header(w: &mut impl Write, dims: &[usize]) -> std::io::Result<()> {
    w.write_all(&[0, 0, UBYTE, dims.len() as u8])?;
    for &d in dims {
        let d = u32::try_from(d).map_err(|_| std::io::Error::other("IDX dimension exceeds u32"))?;
        w.write_all(&d.to_be_bytes())?;
    }
    Ok(())
}

/// Writes an IDX file of unsigned bytes, gzip-compressed when `path` ends in `.gz`.
pub fn write_idx(path: &Path, dims: &[usize], data: &[u8]) -> Result<(), DataError> {
    let io = |e| DataError::io(path, e);
    let file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    if path.extension().is_some_and(|e| e == "gz") {
        let mut w = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        write_header(&mut w, dims).map_err(io)?;
        w.write_all(data).map_err(io)?;
        w.finish().map_err(io)?.flush().map_err(io)
    } else {
        let mut w = file;
        write_header(&mut w, dims).map_err(io)?;
        w.write_all(data).map_err(io)?;
        w.flush().map_err(io)
    }
}
