//! Exporters: pure serializers of [`crate::metrics::RunResults`] into the files of CONTRACT §3
//! (CSV, JSON, charts, the HTML report and index), written atomically (temporary file, then
//! rename).

pub mod charts;
pub mod csv_files;
pub mod html;
pub mod index;
pub mod jsonl;
pub mod manifest;
pub mod report;
pub mod scheduling;
pub mod table;

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Formats a number as the outputs do: integers without a decimal point, others with up to six
/// decimals.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let text = format!("{value:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_format() {
        assert_eq!(format_value(3.0), "3");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(1.0 / 3.0), "0.333333");
        assert_eq!(format_value(-2.0), "-2");
    }
}
