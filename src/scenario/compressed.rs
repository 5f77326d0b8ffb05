//! Trace files as published: plain, gzip-compressed (`.gz`), or the first CSV of a
//! gzip-compressed tar archive (`.tar.gz`, `.tgz`, like the Alibaba GenAI `qps.tar.gz`). The
//! decompressed text is limited like any input file.

use std::io::Read;

/// The text of a trace file's `bytes`, decompressed by its `name`'s extension; at most
/// `limit_bytes` of text.
pub fn text(name: &str, bytes: Vec<u8>, limit_bytes: usize) -> Result<String, String> {
    let lower = name.to_ascii_lowercase();
    let raw = if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        first_csv_of_tar(&gunzip(&bytes, limit_bytes.saturating_mul(2))?, limit_bytes)?
    } else if lower.ends_with(".gz") {
        gunzip(&bytes, limit_bytes)?
    } else {
        bytes
    };
    if raw.len() > limit_bytes {
        return Err(format!(
            "file is larger than the limit of {limit_bytes} bytes"
        ));
    }
    String::from_utf8(raw).map_err(|_| "file is not valid UTF-8".to_string())
}

/// Decompresses gzip data, failing beyond `limit_bytes`.
fn gunzip(bytes: &[u8], limit_bytes: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit_bytes as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot decompress (gzip): {e}"))?;
    if out.len() > limit_bytes {
        return Err(format!(
            "decompressed data is larger than the limit of {limit_bytes} bytes"
        ));
    }
    Ok(out)
}

/// The first regular file of a tar archive whose name ends with `.csv` (else the first regular
/// file).
fn first_csv_of_tar(archive: &[u8], limit_bytes: usize) -> Result<Vec<u8>, String> {
    const BLOCK: usize = 512;
    let mut offset = 0;
    let mut first: Option<(usize, usize)> = None;
    while offset + BLOCK <= archive.len() {
        let header = &archive[offset..offset + BLOCK];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let field = |from: usize, to: usize| {
            let raw = &header[from..to];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            String::from_utf8_lossy(&raw[..end]).trim().to_string()
        };
        let size_text = field(124, 136);
        let size = usize::from_str_radix(&size_text, 8)
            .map_err(|_| format!("not a tar archive (entry size \"{size_text}\")"))?;
        let name = match field(345, 500) {
            prefix if !prefix.is_empty() && &header[257..262] == b"ustar" => {
                format!("{prefix}/{}", field(0, 100))
            }
            _ => field(0, 100),
        };
        let data = offset + BLOCK;
        if data + size > archive.len() {
            return Err(format!("truncated tar archive (entry \"{name}\")"));
        }
        let regular = matches!(header[156], b'0' | 0);
        if regular && size <= limit_bytes {
            if name.to_ascii_lowercase().ends_with(".csv") {
                return Ok(archive[data..data + size].to_vec());
            }
            first.get_or_insert((data, size));
        }
        offset = data + size.div_ceil(BLOCK) * BLOCK;
    }
    first
        .map(|(data, size)| archive[data..data + size].to_vec())
        .ok_or_else(|| "the tar archive holds no file".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// A one-entry-per-file ustar archive.
    fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            let mut header = [0u8; 512];
            header[..name.len()].copy_from_slice(name.as_bytes());
            let size = format!("{:011o}\0", data.len());
            header[124..136].copy_from_slice(size.as_bytes());
            header[156] = b'0';
            header[257..262].copy_from_slice(b"ustar");
            out.extend_from_slice(&header);
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    #[test]
    fn plain_gzip_and_tar_gz_traces() {
        let csv = b"t,rps\n0,1\n";
        let cases: [(&str, Vec<u8>, Result<&str, &str>); 5] = [
            ("a.csv", csv.to_vec(), Ok("t,rps\n0,1\n")),
            ("a.csv.gz", gzip(csv), Ok("t,rps\n0,1\n")),
            (
                "a.tar.gz",
                gzip(&tar(&[("README", b"x"), ("qps.csv", csv)])),
                Ok("t,rps\n0,1\n"),
            ),
            ("a.tgz", gzip(&tar(&[("only.txt", b"hello")])), Ok("hello")),
            ("a.gz", csv.to_vec(), Err("cannot decompress")),
        ];
        for (name, bytes, expected) in cases {
            match (text(name, bytes, 1 << 20), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{name}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{name}: {got}"),
                (got, want) => panic!("{name}: {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn decompression_is_limited() {
        let big = gzip(&vec![b'a'; 10_000]);
        let err = text("big.gz", big, 1_000).unwrap_err();
        assert!(err.contains("limit"), "{err}");
    }
}
